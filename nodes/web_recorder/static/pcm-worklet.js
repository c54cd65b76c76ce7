// Copies the microphone's raw samples (first channel) to the page in blocks, with each block's peak.
// Runs on the audio rendering thread: no allocation per call beyond the posted block.
class PcmCapture extends AudioWorkletProcessor {
  constructor() {
    super();
    this.block = new Float32Array(2048);
    this.fill = 0;
  }
  process(inputs) {
    const input = inputs[0];
    if (input && input.length > 0) {
      const samples = input[0];
      let i = 0;
      while (i < samples.length) {
        const n = Math.min(samples.length - i, this.block.length - this.fill);
        this.block.set(samples.subarray(i, i + n), this.fill);
        this.fill += n;
        i += n;
        if (this.fill === this.block.length) {
          let peak = 0;
          for (let k = 0; k < this.block.length; k++) peak = Math.max(peak, Math.abs(this.block[k]));
          this.port.postMessage({ samples: this.block, peak }, [this.block.buffer]);
          this.block = new Float32Array(2048);
          this.fill = 0;
        }
      }
    }
    return true;
  }
}
registerProcessor("pcm-capture", PcmCapture);
