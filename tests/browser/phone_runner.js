// Runs the phone scripts beside this file one after another in this one Node process, for a test run: started anew for
// each script, Node and playwright-core took about a second of every test to load (more on a loaded 2-core host).
// Usage: node phone_runner.js, then one JSON line a script on its standard input: {"script": "record_take.js",
// "args": [...], "env": {...}}. The script runs as `node SCRIPT ARGS...` would in the environment `env` (whole); once
// its main() has settled, one line "PHONE_RUNNER " + JSON {rc, stdout, stderr} is written: its exit status (0, or 1
// where main() failed, or the process.exitCode it set) and what it printed (console.log, console.error).
// Each script's module is loaded afresh (its own state); phone.js and playwright-core are kept, and so are the globals
// a script sets. A script's timers and promises carry whose they are (AsyncLocalStorage): what one left behind that
// fails or prints once its answer is written is not the next script's, but written to this process's stderr.
const { AsyncLocalStorage } = require("async_hooks");
const fs = require("fs");
const Module = require("module");
const path = require("path");
const readline = require("readline");

const say = process.stdout.write.bind(process.stdout);
// Where a script's console output goes while it runs; null between scripts (a script's late line is dropped).
let current = null;
// The script whose code runs now, {script, result}: set for all its module started, timers and promises included.
const owner = new AsyncLocalStorage();

// The answer being made of the script running now, where what runs now is its (or no script's: this file's own).
function running() {
  const mine = owner.getStore();
  return mine === undefined || mine.result === current ? current : null;
}

for (const [name, stream] of [["log", "stdout"], ["info", "stdout"], ["warn", "stderr"], ["error", "stderr"]]) {
  console[name] = (...parts) => {
    const result = running();
    if (result) result[stream] += parts.map(String).join(" ") + "\n";
  };
}
// A script's failure ends in process.exit(1) (its last line): its status, not this process's end.
const exit = process.exit.bind(process);
process.exit = (code = 0) => { const result = running(); if (result) result.rc = code || 0; };
// A rejection no script caught ends a standalone script's process in error: so it fails the script it came from, while
// that one runs; one from a script answered already (a timer it left) is told on stderr, not charged to the next.
process.on("unhandledRejection", (error) => {
  const text = `unhandled rejection: ${(error && error.stack) || String(error)}\n`;
  const result = running();
  if (result) {
    result.stderr += text;
    result.rc = 1;
  } else {
    const mine = owner.getStore();
    process.stderr.write(`phone_runner.js: ${mine ? mine.script + ", answered already" : "between scripts"}: ${text}`);
  }
});

// The script's module, its last line's `main().catch(...)` kept as its exports: the promise its run settles.
function load(file) {
  const source = fs.readFileSync(file, "utf8");
  const ending = /^main\(\)\.catch\(/m;
  if (!ending.test(source)) throw new Error(`${file} does not end with main().catch(...)`);
  const module = new Module(file, null);
  module.filename = file;
  module.paths = Module._nodeModulePaths(path.dirname(file));
  module._compile(source.replace(ending, "module.exports = main().catch("), file);
  return module.exports;
}

async function run(job) {
  current = { rc: 0, stdout: "", stderr: "" };
  process.argv = [process.argv[0], path.join(__dirname, job.script), ...job.args];
  for (const name of Object.keys(process.env)) if (!(name in job.env)) delete process.env[name];
  Object.assign(process.env, job.env);
  try {
    await owner.run({ script: job.script, result: current }, () => load(path.join(__dirname, job.script)));
  } catch (error) {
    current.stderr += `${error.stack || String(error)}\n`;
    current.rc = 1;
  }
  // Its callbacks due now (a rejection made as main() settled, told once the microtasks ran) are still its own.
  await new Promise((resolve) => setImmediate(resolve));
  // A script may set its status without ending (process.exitCode, as its own process would end with it).
  if (process.exitCode) current.rc = current.rc || process.exitCode;
  process.exitCode = 0;
  const done = current;
  current = null;
  say(`PHONE_RUNNER ${JSON.stringify(done)}\n`);
}

// One script at a time, in the order they came.
let queue = Promise.resolve();
readline.createInterface({ input: process.stdin }).on("line", (line) => {
  queue = queue.then(() => run(JSON.parse(line)));
}).on("close", () => { queue.then(() => exit(0)); });
