// The device camera as a scanner: the browser's own BarcodeDetector where it has one, else the barcode-detector
// polyfill (ZXing compiled to WebAssembly), both served by this app from static/vendor/ and cached by the service
// worker — the wasm is loaded from our own origin, never from the polyfill's default CDN. Rear camera by default,
// torch where the camera has one, frames read continuously; repeats are the pipeline's bounce guard's business.

export const FORMATS = ["data_matrix", "qr_code", "code_128", "ean_13", "ean_8", "upc_a", "upc_e", "code_39",
  "itf", "databar", "databar_expanded"];
export const WASM_URL = new URL("../../vendor/zxing-wasm/zxing_reader.wasm", import.meta.url).href;
const POLYFILL_URL = new URL("../../vendor/barcode-detector/ponyfill.js", import.meta.url).href;
const FRAME_INTERVAL_MS = 120;

let detectorPromise = null;

async function nativeDetector(formats) {
  if (!("BarcodeDetector" in globalThis)) return null;
  try {
    const supported = await globalThis.BarcodeDetector.getSupportedFormats();
    const wanted = formats.filter((format) => supported.includes(format));
    // A native detector that cannot read DataMatrix cannot read the GS1 labels on supplies.
    if (!wanted.includes("data_matrix")) return null;
    return new globalThis.BarcodeDetector({ formats: wanted });
  } catch {
    return null;
  }
}

async function polyfillDetector(formats) {
  const { BarcodeDetector, setZXingModuleOverrides } = await import(POLYFILL_URL);
  setZXingModuleOverrides({
    locateFile: (path, prefix) => (path.endsWith(".wasm") ? WASM_URL : prefix + path),
  });
  const supported = await BarcodeDetector.getSupportedFormats();
  return new BarcodeDetector({ formats: formats.filter((format) => supported.includes(format)) });
}

// One detector per page: { detector, kind: "native" | "polyfill" }.
export function loadDetector(formats = FORMATS, { preferPolyfill = false } = {}) {
  if (!detectorPromise) {
    detectorPromise = (async () => {
      const native = preferPolyfill ? null : await nativeDetector(formats);
      if (native) return { detector: native, kind: "native" };
      return { detector: await polyfillDetector(formats), kind: "polyfill" };
    })();
    detectorPromise.catch(() => { detectorPromise = null; });
  }
  return detectorPromise;
}

// Reads barcodes from the camera into `video` until stopped; onCode(rawValue, format) for each symbol seen.
export class CameraScanner {
  constructor({ video, onCode, onError = () => {}, formats = FORMATS, intervalMs = FRAME_INTERVAL_MS }) {
    Object.assign(this, { video, onCode, onError, formats, intervalMs });
    this.stream = null;
    this.running = false;
    this.timer = null;
    this.kind = null;
  }

  static available() {
    return Boolean(globalThis.navigator && navigator.mediaDevices && navigator.mediaDevices.getUserMedia);
  }

  async start() {
    if (this.running) return;
    const loading = loadDetector(this.formats);
    this.stream = await navigator.mediaDevices.getUserMedia({
      audio: false,
      video: { facingMode: { ideal: "environment" }, width: { ideal: 1280 }, height: { ideal: 720 } },
    });
    this.video.srcObject = this.stream;
    this.video.muted = true;
    this.video.setAttribute("playsinline", "");
    await this.video.play();
    const { detector, kind } = await loading;
    this.detector = detector;
    this.kind = kind;
    this.running = true;
    this.loop();
  }

  async loop() {
    if (!this.running) return;
    const started = performance.now();
    try {
      if (this.video.readyState >= 2) {
        for (const found of await this.detector.detect(this.video)) {
          if (found.rawValue) this.onCode(found.rawValue, found.format, started);
        }
      }
    } catch (error) {
      this.onError(error);
    }
    if (this.running) {
      const spent = performance.now() - started;
      this.timer = setTimeout(() => this.loop(), Math.max(0, this.intervalMs - spent));
    }
  }

  get track() {
    return this.stream ? this.stream.getVideoTracks()[0] : null;
  }

  get torchSupported() {
    const track = this.track;
    const capabilities = track && typeof track.getCapabilities === "function" ? track.getCapabilities() : {};
    return Boolean(capabilities.torch);
  }

  async setTorch(on) {
    if (!this.torchSupported) return false;
    await this.track.applyConstraints({ advanced: [{ torch: Boolean(on) }] });
    return true;
  }

  stop() {
    this.running = false;
    clearTimeout(this.timer);
    if (this.stream) for (const track of this.stream.getTracks()) track.stop();
    this.stream = null;
    this.video.srcObject = null;
  }
}
