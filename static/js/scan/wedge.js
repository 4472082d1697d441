// Keyboard-wedge scanners "type" a barcode as a burst of keystrokes a few milliseconds apart, usually ended by
// Enter or Tab; people type tens of times slower. WedgeReader tells the two apart by timing alone, so a scan works
// without focusing a field first and typing is never taken for a scan. GS1's FNC1 separator arrives as the GS
// character (ASCII 29), which keyboards send as Ctrl+] or as the key "\x1d".
// The reader is pure (fed events and times); attachWedge wires it to a page.

export const GS = "\x1d";

export const WEDGE_DEFAULTS = {
  maxGapMs: 35, // slower than any scanner we know between two characters, faster than anyone types
  minLength: 4, // shorter bursts are key repeats or chords, not barcodes
  endAfterMs: 80, // scanners set up without a suffix: the burst ends when the keys stop
  suffixes: ["Enter", "Tab"],
};

// What one keydown adds: { char }, { suffix: true }, or null for keys that carry nothing (Shift, arrows…).
export function keyOf(event) {
  const { key } = event;
  if (key === "Enter" || key === "Tab") return { suffix: key };
  if (key === GS || key === "GroupSeparator") return { char: GS };
  if (event.ctrlKey && !event.altKey && (key === "]" || event.code === "BracketRight")) {
    return { char: GS }; // Ctrl+] is how a keyboard sends GS
  }
  if (typeof key === "string" && key.length === 1 && !event.ctrlKey && !event.metaKey && !event.altKey) {
    return { char: key };
  }
  return null;
}

export class WedgeReader {
  constructor(options = {}) {
    this.options = { ...WEDGE_DEFAULTS, ...options };
    this.reset();
  }

  reset() {
    this.chars = [];
    this.last = null;
  }

  // Whether the keys so far are a scanner's burst (long enough, every gap short).
  get bursting() {
    return this.chars.length >= this.options.minLength;
  }

  // Feeds one keydown at `time` (ms). Returns { scan } when a burst ends with a suffix, { swallow } when the key is
  // part of a burst (the page should not act on it), {} otherwise.
  key(event, time) {
    const key = keyOf(event);
    if (key === null) return {};
    const fast = this.last !== null && time - this.last <= this.options.maxGapMs;
    if (key.suffix) {
      const scan = fast && this.bursting && this.options.suffixes.includes(key.suffix) ? this.chars.join("") : null;
      this.reset();
      return scan === null ? {} : { scan, swallow: true };
    }
    if (!fast) this.chars = [];
    this.chars.push(key.char);
    this.last = time;
    return { swallow: this.bursting, start: this.chars.length === 1 };
  }

  // Called when no key came for a while: a burst without suffix ends here.
  idle(time) {
    if (this.last === null || time - this.last < this.options.endAfterMs) return {};
    const scan = this.bursting ? this.chars.join("") : null;
    this.reset();
    return scan === null ? {} : { scan };
  }
}

function editable(node) {
  return node instanceof HTMLInputElement || node instanceof HTMLTextAreaElement;
}

// Listens on the whole document. A finished burst calls onScan(text) and is undone in whatever field had the focus
// (its first characters arrive before the burst is recognised). Returns a function that detaches.
export function attachWedge(onScan, { target = document, options = {}, now = () => performance.now() } = {}) {
  const reader = new WedgeReader(options);
  let snapshot = null;
  let timer = null;

  const finish = (scan) => {
    if (snapshot && editable(snapshot.field)) {
      snapshot.field.value = snapshot.value;
      snapshot.field.dispatchEvent(new Event("input", { bubbles: true }));
    }
    snapshot = null;
    onScan(scan);
  };

  const onKeydown = (event) => {
    if (event.isComposing) return;
    const result = reader.key(event, event.timeStamp || now());
    if (result.start) {
      const field = document.activeElement;
      snapshot = { field, value: editable(field) ? field.value : null };
    }
    if (result.swallow) {
      event.preventDefault();
      event.stopImmediatePropagation();
    }
    clearTimeout(timer);
    if (result.scan !== undefined) finish(result.scan);
    else if (reader.chars.length) {
      timer = setTimeout(() => {
        const ended = reader.idle(now());
        if (ended.scan !== undefined) finish(ended.scan);
      }, reader.options.endAfterMs + 5);
    }
  };
  target.addEventListener("keydown", onKeydown, true);
  return () => {
    target.removeEventListener("keydown", onKeydown, true);
    clearTimeout(timer);
  };
}
