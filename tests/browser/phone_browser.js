// One headless Chromium as a phone's browser, kept for several scripts (a test module): launching one for each
// took a second or so of every test. Each script connects (PHONE_BROWSER, see phone.js) and opens a context of its
// own: its own storage, permissions and location, as a phone of its own.
// Usage: node phone_browser.js FAKE_MIC.wav
// Prints one JSON line {"endpoint": ...} once the browser runs, and closes it when its standard input ends.
const { launchPhoneServer } = require("./phone");

async function main() {
  const server = await launchPhoneServer(process.argv[2]);
  console.log(JSON.stringify({ endpoint: server.wsEndpoint() }));
  process.stdin.resume();
  process.stdin.on("end", () => server.close().then(() => process.exit(0), () => process.exit(1)));
}

main().catch((error) => { console.error(error.stack || String(error)); process.exit(1); });
