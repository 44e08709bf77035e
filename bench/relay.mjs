#!/usr/bin/env node
// A stdio MCP "gateway" that does nothing at all: the agent's bytes go to the upstream, the upstream's
// come back. What it adds is what any gateway in its own process adds here before doing any work.
// Usage: node bench/relay.mjs COMMAND [ARGS...]
import { spawn } from 'node:child_process';

const [command, ...args] = process.argv.slice(2);
const upstream = spawn(command, args, { stdio: ['pipe', 'pipe', 'inherit'] });
process.stdin.pipe(upstream.stdin);
upstream.stdout.pipe(process.stdout);
process.stdin.on('end', () => upstream.stdin.end());
upstream.on('exit', (code) => process.exit(code ?? 0));
