#!/usr/bin/env node
// A stdio MCP "gateway" that does nothing at all: the agent's bytes go to the upstream, the upstream's
// come back. What it adds is what any gateway in its own process adds here before doing any work.
//
// With --durable FILE it does the one thing no gateway that keeps "in the log before it runs" can skip:
// before forwarding each tools/call it writes 4 KiB to FILE and waits for fdatasync. That is the floor
// for any such gateway on this disk, whatever else it does or does not do.
// Usage: node bench/relay.mjs [--durable FILE] COMMAND [ARGS...]
import { spawn } from 'node:child_process';
import { closeSync, fdatasyncSync, openSync, writeSync } from 'node:fs';

let argv = process.argv.slice(2);
let durable = null;
if (argv[0] === '--durable') {
  durable = argv[1];
  argv = argv.slice(2);
}
const [command, ...args] = argv;
const upstream = spawn(command, args, { stdio: ['pipe', 'pipe', 'inherit'] });
upstream.stdout.pipe(process.stdout);
process.stdin.on('end', () => upstream.stdin.end());
upstream.on('exit', (code) => process.exit(code ?? 0));

if (durable === null) {
  process.stdin.pipe(upstream.stdin);
} else {
  // A file of fixed size written round and round, as a write-ahead log is once it has grown.
  const BLOCK = Buffer.alloc(4096, 'x');
  const BLOCKS = 1024;
  const log = openSync(durable, 'w+');
  for (let i = 0; i < BLOCKS; i++) writeSync(log, BLOCK, 0, BLOCK.length, i * BLOCK.length);
  fdatasyncSync(log);
  let next = 0;
  let pending = '';
  process.stdin.setEncoding('utf8');
  process.stdin.on('data', (chunk) => {
    pending += chunk;
    let end;
    while ((end = pending.indexOf('\n')) >= 0) {
      const line = pending.slice(0, end + 1);
      pending = pending.slice(end + 1);
      if (line.trim() && JSON.parse(line).method === 'tools/call') {
        writeSync(log, BLOCK, 0, BLOCK.length, (next++ % BLOCKS) * BLOCK.length);
        fdatasyncSync(log);
      }
      upstream.stdin.write(line);
    }
  });
  process.on('exit', () => closeSync(log));
}
