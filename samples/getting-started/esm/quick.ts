import { createDuplexPair, JsonRpc, request, serviceClass } from 'bsonrpc';

@serviceClass
class Calculator {
  @request add(a: number, b: number) { return a + b; }
}

const [a, b] = createDuplexPair(); // or a net.Socket, a TLS socket, stdio...
new JsonRpc(a, new Calculator()); // serves Calculator on one end
const client = new JsonRpc(b);
console.log(await client.getPeerProxy<Calculator>().add(2, 3)); // 5
client.close();
