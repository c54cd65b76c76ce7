// Reads the input meter of the recorder's page as a phone shows it, its microphone fed from a WAV file.
// Usage: node meter_colour.js URL FAKE_MIC.wav
// Prints JSON: the lit part's width (a fraction of the meter) and the colour of its tip ([r, g, b]), read from a
// screenshot of the meter (decoded in the page itself: no image library needed).
const { microphoneRunning, onPhonePage } = require("./phone");

async function main() {
  const [url, wav] = process.argv.slice(2);
  await onPhonePage(wav, async (page) => {
    await page.goto(url);
    await microphoneRunning(page);
    await page.waitForTimeout(600);  // a steady level
    const png = (await page.locator("#meter").screenshot({ animations: "disabled" })).toString("base64");
    const result = await page.evaluate(async (data) => {
      const image = new Image();
      image.src = "data:image/png;base64," + data;
      await image.decode();
      const canvas = document.createElement("canvas");
      canvas.width = image.width; canvas.height = image.height;
      const draw = canvas.getContext("2d");
      draw.drawImage(image, 0, 0);
      const row = draw.getImageData(0, Math.floor(image.height / 2), image.width, 1).data;
      const track = [row[4 * (image.width - 3)], row[4 * (image.width - 3) + 1], row[4 * (image.width - 3) + 2]];
      let tip = -1;
      for (let x = 0; x < image.width - 3; x++) {
        const d = Math.abs(row[4 * x] - track[0]) + Math.abs(row[4 * x + 1] - track[1])
          + Math.abs(row[4 * x + 2] - track[2]);
        if (d > 30) tip = x;
      }
      return { width: (tip + 1) / image.width,
               tip: tip < 0 ? null : [row[4 * tip], row[4 * tip + 1], row[4 * tip + 2]] };
    }, png);
    console.log(JSON.stringify(result));
  });
}

main().catch((error) => { console.error(error.stack || String(error)); process.exit(1); });
