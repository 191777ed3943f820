// The peer side of bench/workflows/run.sh: the same definition on aws-local-stepfunctions (in memory, not durable),
// its Task states served by local handlers, executions one after another for a fixed time after a warm-up.
// Usage: node peer.mjs [seconds]
import { readFileSync } from 'node:fs';

// aws-local-stepfunctions 3 calls Promise.withResolvers (Node 22); this machine has Node 20. Same semantics.
if (!Promise.withResolvers) {
  Promise.withResolvers = function () {
    let resolve, reject;
    const promise = new this((res, rej) => { resolve = res; reject = rej; });
    return { promise, resolve, reject };
  };
}
const { StateMachine } = await import('aws-local-stepfunctions');

const seconds = Number(process.argv[2] ?? 10);
const definition = JSON.parse(readFileSync(new URL('./definition.json', import.meta.url)));
const bookings = Array.from({ length: 100 }, (_, i) => ({
  booking_id: `B${String(i).padStart(4, '0')}`, passenger: `passenger-${i}`, flight: `CT${100 + (i % 7)}`, seats: 1 + (i % 3),
}));
const overrides = {
  taskResourceLocalHandlers: {
    GetBookings: async () => ({ bookings: structuredClone(bookings) }),
    Process: async () => ({ ok: true, score: 0.75 }),
  },
};
const machine = new StateMachine(definition);

// One execution with its event log read, to count the states it enters (a state transition each).
const checked = machine.run({}, { overrides });
let transitionsPerExecution = 0;
for await (const event of checked.eventLogs) if (event.type === 'StateEntered') transitionsPerExecution++;
const checkedResult = await checked.result;
if (!Array.isArray(checkedResult) || checkedResult.length !== 100) throw new Error('unexpected result: ' + JSON.stringify(checkedResult).slice(0, 200));

async function run(ms) {
  let executions = 0;
  const start = performance.now();
  while (performance.now() - start < ms) {
    await machine.run({}, { overrides }).result;
    executions++;
  }
  return { executions, elapsed: (performance.now() - start) / 1000 };
}

await run(2000);
const cpuBefore = process.cpuUsage();
const { executions, elapsed } = await run(seconds * 1000);
const cpu = process.cpuUsage(cpuBefore);
const cpuMs = (cpu.user + cpu.system) / 1000;
console.log(`workflows: aws-local-stepfunctions ${JSON.parse(readFileSync(new URL('./node_modules/aws-local-stepfunctions/package.json', import.meta.url))).version} (in memory, not durable), Node ${process.version}, sequential executions for ${seconds}s after a 2s warm-up`);
console.log(`  executions: ${executions} in ${elapsed.toFixed(2)}s = ${(executions / elapsed).toFixed(1)} executions/s`);
console.log(`  state transitions: ${executions * transitionsPerExecution} = ${Math.round(executions * transitionsPerExecution / elapsed)} transitions/s (${transitionsPerExecution} per execution)`);
console.log(`  process CPU ${(cpuMs / 1000).toFixed(1)}s = ${Math.round(cpuMs * 1000 / executions)} µs per execution`);
