// Reads the recorder page's retry schedule: how long a failed upload waits before it is sent again.
// Usage: node retry_schedule.js URL FAKE_MIC.wav
// Prints JSON: for each try 1 to 8, the waits (ms) the page draws for it ("draws", 400 of them, Math.random as the
// page uses it) and its bounds (the waits with the lowest and the highest random number).
const { onPhonePage } = require("./phone");

async function main() {
  const [url, wav] = process.argv.slice(2);
  await onPhonePage(wav, async (page) => {
    await page.goto(url);
    const result = await page.evaluate(() => {
      const tries = {};
      for (let attempt = 1; attempt <= 8; attempt++) {
        const draws = [];
        for (let i = 0; i < 400; i++) draws.push(retryDelay(attempt));
        tries[attempt] = { draws, lowest: retryDelay(attempt, () => 0), highest: retryDelay(attempt, () => 1 - 1e-9) };
      }
      return tries;
    });
    console.log(JSON.stringify(result));
  });
}

main().catch((error) => { console.error(error.stack || String(error)); process.exit(1); });
