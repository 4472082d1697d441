// What the user feels and sees after each scan, so a nurse need not look at the screen: a short high beep, a tap
// and a green flash for a good scan; a low double beep, a longer buzz and a red flash for a failure; a single
// mid tone and an amber flash for a repeat that waits for confirmation.

export const SIGNALS = {
  ok: { tones: [[1046, 90]], vibrate: [40], flash: "scan-flash-ok" },
  error: { tones: [[220, 160], [0, 70], [220, 160]], vibrate: [120, 60, 120], flash: "scan-flash-error" },
  repeat: { tones: [[660, 120]], vibrate: [30, 40, 30], flash: "scan-flash-repeat" },
};

const FLASH_MS = 450;
let audio = null;

function audioContext() {
  const Context = globalThis.AudioContext || globalThis.webkitAudioContext;
  if (!Context) return null;
  if (!audio) audio = new Context();
  // Browsers start audio suspended until the user has touched the page; resume() is harmless when running.
  if (audio.state === "suspended") audio.resume().catch(() => {});
  return audio;
}

function beep(tones) {
  const context = audioContext();
  if (!context || context.state !== "running") return;
  let at = context.currentTime;
  for (const [frequency, ms] of tones) {
    if (frequency) {
      const oscillator = context.createOscillator();
      const gain = context.createGain();
      oscillator.type = "square";
      oscillator.frequency.value = frequency;
      gain.gain.setValueAtTime(0.08, at);
      gain.gain.exponentialRampToValueAtTime(0.0001, at + ms / 1000);
      oscillator.connect(gain).connect(context.destination);
      oscillator.start(at);
      oscillator.stop(at + ms / 1000);
    }
    at += ms / 1000;
  }
}

// The last signal given, for screen readers and for tests: <body data-scan-signal="ok|error|repeat">.
export function signal(kind, { sound = true, vibrate = true, target = document.body } = {}) {
  const spec = SIGNALS[kind];
  if (!spec) return;
  if (sound) beep(spec.tones);
  if (vibrate && typeof navigator.vibrate === "function") navigator.vibrate(spec.vibrate);
  if (target) {
    for (const { flash } of Object.values(SIGNALS)) target.classList.remove(flash);
    void target.offsetWidth; // restart the animation when the same signal comes twice
    target.classList.add(spec.flash);
    target.dataset.scanSignal = kind;
    clearTimeout(target.scanFlashTimer);
    target.scanFlashTimer = setTimeout(() => target.classList.remove(spec.flash), FLASH_MS);
  }
}

// Unlocks audio on the first touch or key, as browsers require.
export function primeAudio() {
  const unlock = () => audioContext();
  document.addEventListener("pointerdown", unlock, { once: true, capture: true });
  document.addEventListener("keydown", unlock, { once: true, capture: true });
}
