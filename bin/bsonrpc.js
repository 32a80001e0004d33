#!/usr/bin/env node
// The `bsonrpc` command (package.json "bin"). In an installed package it
// runs the built CLI, dist/cli.js; in a checkout of the repository, where
// lib/ is present, it runs the TypeScript sources through ts-node, so the
// command works without a build (and the tests run what is in lib/).
'use strict';
const fs = require('node:fs');
const path = require('node:path');

const root = path.join(__dirname, '..');
const source = path.join(root, 'lib', 'cli', 'main.ts');
let cli;
if (fs.existsSync(source)) {
  require('ts-node').register({ transpileOnly: true, project: path.join(root, 'tsconfig.json') });
  cli = require(source);
} else {
  cli = require('../dist/cli.js');
}
cli.main(process.argv.slice(2));
