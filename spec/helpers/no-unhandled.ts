/**
 * Installed for every spec file (jest setupFilesAfterEnv): fails the file
 * when anything produced an unhandled rejection or an uncaught exception.
 */
const problems: string[] = [];
const onRejection = (reason: unknown) => problems.push(`unhandledRejection: ${describe(reason)}`);
const onException = (err: unknown) => problems.push(`uncaughtException: ${describe(err)}`);

function describe(x: unknown): string {
  return x instanceof Error ? `${x.name}: ${x.message}\n${x.stack}` : String(x);
}

beforeAll(() => {
  process.on('unhandledRejection', onRejection);
  process.on('uncaughtException', onException);
});

afterAll(async () => {
  // Let late rejections surface before judging.
  await new Promise((r) => setTimeout(r, 20));
  process.off('unhandledRejection', onRejection);
  process.off('uncaughtException', onException);
  expect(problems).toEqual([]);
});
