/**
 * A safe unpickler for Python pickle protocols 0-5 (reference: CPython's Lib/pickle.py and
 * Lib/pickletools.py, which document every opcode). It never executes anything: GLOBAL and
 * STACK_GLOBAL resolve only through an allow-list of handlers supplied by the caller, and
 * REDUCE / NEWOBJ / BUILD on an allowed global either call that handler or build a plain
 * {@link PyObject} record. Everything read from the input is bounds-checked before use, so a
 * truncated or hostile file fails with a one-line error naming the source and byte offset.
 *
 * Value mapping: None -> null, bool -> boolean, int -> number (bigint beyond 2^53),
 * float -> number, str -> string, bytes/bytearray -> Uint8Array (a view of the input),
 * list and tuple -> array (tuples frozen), dict -> Map, set/frozenset -> Set.
 */

import { shownName } from './bytes.js';

/** A Python class or function named by GLOBAL/STACK_GLOBAL; only handlers on the allow-list exist. */
export class PyGlobal {
  constructor(readonly module: string, readonly name: string, readonly handler: GlobalHandler) {}
  get qualified(): string { return `${this.module}.${this.name}`; }
}

/** Plain record for `cls(*args)` / `cls.__new__(cls, *args)` when the handler has no constructor. */
export class PyObject {
  /** BUILD state (usually the instance __dict__ or __getstate__ result); null until built. */
  state: unknown = null;
  /** Items appended by APPEND(S) / set by SETITEM(S) on list or dict subclasses. */
  listItems: unknown[] = [];
  dictItems = new Map<unknown, unknown>();
  constructor(readonly module: string, readonly name: string, readonly args: readonly unknown[],
    readonly kwargs: Map<unknown, unknown> | null = null) {}
}

export interface PickleContext { readonly source: string; readonly offset: number }

/** What the caller allows a global to do. An empty handler allows plain records only. */
export interface GlobalHandler {
  /** REDUCE: `callable(*args)`. Absent: a PyObject record. */
  call?(args: readonly unknown[], ctx: PickleContext): unknown;
  /** NEWOBJ / NEWOBJ_EX: `cls.__new__(cls, *args, **kwargs)`. Absent: `call`, then a PyObject. */
  newobj?(args: readonly unknown[], kwargs: Map<unknown, unknown> | null, ctx: PickleContext): unknown;
  /** BUILD on an object this handler produced; must mutate `obj` in place (the memo may hold it). */
  build?(obj: unknown, state: unknown, ctx: PickleContext): void;
}

export interface UnpickleOptions {
  /** Allowed globals, keyed "module.qualname"; anything else is refused. */
  handlers: Readonly<Record<string, GlobalHandler>>;
  /**
   * Globals not in `handlers` for which this returns true resolve to inert records: REDUCE /
   * NEWOBJ build a {@link PyObject}, BUILD stores its state, nothing is called. For parts of a
   * file the reader skips (StyleGAN-XL's discriminator of timm / torch.nn modules).
   */
  inertGlobal?(module: string, name: string): boolean;
  /** PERSID / BINPERSID resolver (torch checkpoints); absent: persistent ids are an error. */
  persistentLoad?(pid: unknown, ctx: PickleContext): unknown;
}

export class PickleError extends Error {
  constructor(message: string, readonly offset: number) { super(message); this.name = 'PickleError'; }
}

const MARK = Symbol('mark');
/** The handler of inert globals: plain records only. */
const INERT: GlobalHandler = Object.freeze({});
const utf8 = new TextDecoder('utf-8');

/** True ISO-8859-1 (TextDecoder's 'latin1' is windows-1252, which remaps 0x80-0x9f). */
export function latin1Decode(b: Uint8Array): string {
  const parts: string[] = [];
  for (let i = 0; i < b.length; i += 8192) parts.push(String.fromCharCode(...b.subarray(i, i + 8192)));
  return parts.join('');
}

export function isMap(v: unknown): v is Map<unknown, unknown> { return v instanceof Map; }

/** Unpickles `bytes`; `source` names the input in errors (a path or URL). */
export function unpickle(bytes: Uint8Array, source: string, opts: UnpickleOptions): unknown {
  const u = new Unpickler(bytes, source, opts);
  try {
    return u.load();
  } catch (e) {
    if (e instanceof PickleError) throw e;
    // A handler rejected its arguments: keep the message, add where it happened.
    const msg = (e instanceof Error ? e.message : String(e)).replace(/\s*\n\s*/g, ' ');
    throw new PickleError(`Cannot read ${source}: ${msg} at byte ${u.op}`, u.op);
  }
}

/**
 * Unpickles the pickle that starts at byte `start` and also returns where it ended, for
 * formats that store several pickles back to back (torch's legacy `torch.save`).
 */
export function unpickleAt(bytes: Uint8Array, start: number, source: string, opts: UnpickleOptions): { value: unknown; end: number } {
  const u = new Unpickler(bytes.subarray(start), source, opts);
  try {
    return { value: u.load(), end: start + u.end };
  } catch (e) {
    if (e instanceof PickleError) throw e;
    const msg = (e instanceof Error ? e.message : String(e)).replace(/\s*\n\s*/g, ' ');
    throw new PickleError(`Cannot read ${source}: ${msg} at byte ${start + u.op}`, start + u.op);
  }
}

class Unpickler {
  private pos = 0;
  /** Bytes consumed so far (the end of the pickle once load() returned). */
  get end(): number { return this.pos; }
  /** Offset of the opcode being executed, for errors. */
  op = 0;
  private stack: unknown[] = [];
  private marks: number[] = [];
  private memo = new Map<number, unknown>();
  private producedBy = new WeakMap<object, GlobalHandler>();
  private readonly view: DataView;
  private readonly buf: Uint8Array;

  constructor(input: Uint8Array, private readonly source: string, private readonly opts: UnpickleOptions) {
    // A plain view, so that subarray/slice behave as Uint8Array's even for a Node Buffer.
    this.buf = new Uint8Array(input.buffer, input.byteOffset, input.byteLength);
    this.view = new DataView(this.buf.buffer, this.buf.byteOffset, this.buf.byteLength);
  }

  private fail(msg: string, offset = this.op): never {
    throw new PickleError(`Cannot read ${this.source}: ${msg} at byte ${offset}`, offset);
  }

  private need(n: number, what: string): number {
    if (n > this.buf.length - this.pos) {
      this.fail(`truncated pickle (${what} needs ${n} bytes, ${this.buf.length - this.pos} left)`);
    }
    const p = this.pos; this.pos += n; return p;
  }
  private u8(): number { return this.buf[this.need(1, 'opcode argument')]; }
  private u16(): number { return this.view.getUint16(this.need(2, 'uint16'), true); }
  private u32(): number { return this.view.getUint32(this.need(4, 'uint32'), true); }
  private i32(): number { return this.view.getInt32(this.need(4, 'int32'), true); }
  private u64(): number {
    const v = this.view.getBigUint64(this.need(8, 'uint64'), true);
    const left = this.buf.length - this.pos;
    if (v > BigInt(left)) this.fail(`truncated pickle (length ${v} but ${left} bytes left)`);
    return Number(v);
  }
  private bytes(n: number): Uint8Array { const p = this.need(n, 'data'); return this.buf.subarray(p, p + n); }
  private line(): string {
    const end = this.buf.indexOf(0x0a, this.pos);
    if (end < 0) this.fail('truncated pickle (unterminated text argument)');
    const s = latin1Decode(this.buf.subarray(this.pos, end)); this.pos = end + 1; return s;
  }

  private push(v: unknown): void { this.stack.push(v); }
  private pop(): unknown {
    const base = this.marks.length ? this.marks[this.marks.length - 1] : 0;
    if (this.stack.length <= base) this.fail('stack underflow');
    return this.stack.pop();
  }
  private top(): unknown {
    const base = this.marks.length ? this.marks[this.marks.length - 1] : 0;
    if (this.stack.length <= base) this.fail('stack underflow');
    return this.stack[this.stack.length - 1];
  }
  private popMark(): unknown[] {
    const m = this.marks.pop();
    if (m === undefined) this.fail('no MARK on the stack');
    return this.stack.splice(m);
  }
  private memoGet(i: number): unknown {
    if (!this.memo.has(i)) this.fail(`memo key ${i} was never stored`);
    return this.memo.get(i);
  }
  private ctx(): PickleContext { return { source: this.source, offset: this.op }; }

  private resolveGlobal(module: string, name: string): PyGlobal {
    const key = `${module}.${name}`;
    const h = Object.prototype.hasOwnProperty.call(this.opts.handlers, key) ? this.opts.handlers[key]
      : this.opts.inertGlobal?.(module, name) ? INERT : undefined;
    if (!h) {
      throw new PickleError(`Refusing to load ${this.source}: pickle references disallowed global ${shownName(key)} (byte ${this.op})`, this.op);
    }
    return new PyGlobal(module, name, h);
  }

  private asGlobal(v: unknown, what: string): PyGlobal {
    if (!(v instanceof PyGlobal)) this.fail(`${what} on a non-class value`);
    return v;
  }
  private asArgs(v: unknown, what: string): readonly unknown[] {
    if (!Array.isArray(v)) this.fail(`${what} arguments are not a tuple`);
    return v;
  }
  private record(g: PyGlobal, v: unknown): unknown {
    if (v !== null && typeof v === 'object') this.producedBy.set(v, g.handler);
    return v;
  }
  private callGlobal(g: PyGlobal, args: readonly unknown[]): unknown {
    const v = g.handler.call ? g.handler.call(args, this.ctx()) : new PyObject(g.module, g.name, args);
    return this.record(g, v);
  }
  private newObj(g: PyGlobal, args: readonly unknown[], kwargs: Map<unknown, unknown> | null): unknown {
    const h = g.handler;
    const v = h.newobj ? h.newobj(args, kwargs, this.ctx())
      : h.call && !kwargs ? h.call(args, this.ctx()) : new PyObject(g.module, g.name, args, kwargs);
    return this.record(g, v);
  }

  private build(obj: unknown, state: unknown): void {
    const h = obj !== null && typeof obj === 'object' ? this.producedBy.get(obj) : undefined;
    if (h?.build) h.build(obj, state, this.ctx());
    else if (obj instanceof PyObject) obj.state = state;
    else if (state !== null) this.fail('BUILD on a value that takes no state');
  }

  private setItems(target: unknown, kv: unknown[]): void {
    if (kv.length % 2) this.fail('odd number of items for SETITEMS');
    const map = target instanceof Map ? target : target instanceof PyObject ? target.dictItems : null;
    if (!map) this.fail('SETITEM on a value that is not a dict');
    for (let i = 0; i < kv.length; i += 2) map.set(kv[i], kv[i + 1]);
  }
  private append(target: unknown, items: unknown[]): void {
    const list = Array.isArray(target) && !Object.isFrozen(target) ? target
      : target instanceof PyObject ? target.listItems : null;
    if (!list) this.fail('APPEND on a value that is not a list');
    for (const it of items) list.push(it);
  }
  private addItems(target: unknown, items: unknown[]): void {
    if (!(target instanceof Set)) this.fail('ADDITEMS on a value that is not a set');
    for (const it of items) target.add(it);
  }

  private int(v: bigint): number | bigint {
    return v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v;
  }
  private long(n: number): number | bigint {
    const b = this.bytes(n);
    if (n === 0) return 0;
    let v = 0n;
    for (let i = n - 1; i >= 0; i--) v = (v << 8n) | BigInt(b[i]);
    if (b[n - 1] & 0x80) v -= 1n << BigInt(8 * n);
    return this.int(v);
  }
  private textInt(s: string): number | bigint | boolean {
    const t = s.trim().replace(/L$/, '');
    if (t === '00') return false;
    if (t === '01') return true;
    if (!/^[+-]?\d+$/.test(t)) this.fail(`bad integer literal ${JSON.stringify(s.slice(0, 40))}`);
    return this.int(BigInt(t));
  }
  /** Protocol 0 STRING: a quoted Python 2 str repr (escapes \x.., \n, ...), as latin1. */
  private quoted(s: string): string {
    const q = s[0];
    if (s.length < 2 || (q !== "'" && q !== '"') || s[s.length - 1] !== q) this.fail('bad STRING literal');
    const esc: Record<string, string> = { n: '\n', t: '\t', r: '\r', '\\': '\\', "'": "'", '"': '"', a: '\x07', b: '\b', f: '\f', v: '\v', '0': '\0' };
    return s.slice(1, -1).replace(/\\(x[0-9a-fA-F]{2}|.)/g, (m, e: string) =>
      e[0] === 'x' && e.length === 3 ? String.fromCharCode(parseInt(e.slice(1), 16)) : esc[e] ?? m);
  }
  /** Protocol 0 UNICODE: raw-unicode-escape (latin1 text with \uXXXX and \UXXXXXXXX escapes). */
  private rawUnicode(s: string): string {
    return s.replace(/\\u([0-9a-fA-F]{4})|\\U([0-9a-fA-F]{8})/g, (m, u?: string, U?: string) => {
      const cp = parseInt(u ?? U!, 16);
      return cp <= 0x10ffff ? String.fromCodePoint(cp) : m;
    });
  }

  load(): unknown {
    const buf = this.buf;
    for (;;) {
      this.op = this.pos;
      if (this.pos >= buf.length) this.fail('truncated pickle (no STOP opcode)');
      const code = buf[this.pos++];
      switch (code) {
        case 0x80: { const p = this.u8(); if (p > 5) this.fail(`unsupported pickle protocol ${p}`); break; } // PROTO
        case 0x95: this.u64(); break; // FRAME: advisory; u64() checks it fits
        case 0x2e: { const v = this.pop(); return v; } // STOP
        case 0x28: this.marks.push(this.stack.length); break; // MARK
        case 0x31: this.popMark(); break; // POP_MARK
        case 0x30: this.pop(); break; // POP
        case 0x32: this.push(this.top()); break; // DUP
        // Constants and numbers.
        case 0x4e: this.push(null); break;
        case 0x88: this.push(true); break;
        case 0x89: this.push(false); break;
        case 0x4b: this.push(this.u8()); break; // BININT1
        case 0x4d: this.push(this.u16()); break; // BININT2
        case 0x4a: this.push(this.i32()); break; // BININT
        case 0x8a: this.push(this.long(this.u8())); break; // LONG1
        case 0x8b: { const n = this.i32(); if (n < 0) this.fail('negative LONG4 length'); this.push(this.long(n)); break; }
        case 0x47: this.push(this.view.getFloat64(this.need(8, 'float64'), false)); break; // BINFLOAT
        case 0x49: this.push(this.textInt(this.line())); break; // INT
        case 0x4c: this.push(this.textInt(this.line())); break; // LONG
        case 0x46: { const f = Number(this.line()); if (Number.isNaN(f)) this.fail('bad FLOAT literal'); this.push(f); break; }
        // Strings and bytes (Python 2 str opcodes decode as latin1, as pickle.load(encoding='latin1')).
        case 0x8c: this.push(utf8.decode(this.bytes(this.u8()))); break; // SHORT_BINUNICODE
        case 0x58: this.push(utf8.decode(this.bytes(this.u32()))); break; // BINUNICODE
        case 0x8d: this.push(utf8.decode(this.bytes(this.u64()))); break; // BINUNICODE8
        case 0x56: this.push(this.rawUnicode(this.line())); break; // UNICODE
        case 0x55: this.push(latin1Decode(this.bytes(this.u8()))); break; // SHORT_BINSTRING
        case 0x54: { const n = this.i32(); if (n < 0) this.fail('negative BINSTRING length'); this.push(latin1Decode(this.bytes(n))); break; }
        case 0x53: this.push(this.quoted(this.line())); break; // STRING
        case 0x43: this.push(this.bytes(this.u8())); break; // SHORT_BINBYTES
        case 0x42: this.push(this.bytes(this.u32())); break; // BINBYTES
        case 0x8e: this.push(this.bytes(this.u64())); break; // BINBYTES8
        case 0x96: this.push(this.bytes(this.u64()).slice()); break; // BYTEARRAY8 (mutable: a copy)
        case 0x97: case 0x98: this.fail('out-of-band buffers (protocol 5 NEXT_BUFFER) are not supported');
        // Containers.
        case 0x29: this.push(Object.freeze([])); break; // EMPTY_TUPLE
        case 0x85: { const a = this.pop(); this.push(Object.freeze([a])); break; }
        case 0x86: { const b = this.pop(); const a = this.pop(); this.push(Object.freeze([a, b])); break; }
        case 0x87: { const c = this.pop(); const b = this.pop(); const a = this.pop(); this.push(Object.freeze([a, b, c])); break; }
        case 0x74: this.push(Object.freeze(this.popMark())); break; // TUPLE
        case 0x5d: this.push([]); break; // EMPTY_LIST
        case 0x6c: this.push(this.popMark()); break; // LIST
        case 0x61: { const v = this.pop(); this.append(this.top(), [v]); break; } // APPEND
        case 0x65: { const items = this.popMark(); this.append(this.top(), items); break; } // APPENDS
        case 0x7d: this.push(new Map()); break; // EMPTY_DICT
        case 0x64: { const m = new Map(); this.setItems(m, this.popMark()); this.push(m); break; } // DICT
        case 0x73: { const v = this.pop(); const k = this.pop(); this.setItems(this.top(), [k, v]); break; }
        case 0x75: { const kv = this.popMark(); this.setItems(this.top(), kv); break; } // SETITEMS
        case 0x8f: this.push(new Set()); break; // EMPTY_SET
        case 0x90: { const items = this.popMark(); this.addItems(this.top(), items); break; } // ADDITEMS
        case 0x91: this.push(new Set(this.popMark())); break; // FROZENSET
        // Memo.
        case 0x94: this.memo.set(this.memo.size, this.top()); break; // MEMOIZE
        case 0x71: this.memo.set(this.u8(), this.top()); break; // BINPUT
        case 0x72: this.memo.set(this.u32(), this.top()); break; // LONG_BINPUT
        case 0x70: this.memo.set(Number(this.textInt(this.line())), this.top()); break; // PUT
        case 0x68: this.push(this.memoGet(this.u8())); break; // BINGET
        case 0x6a: this.push(this.memoGet(this.u32())); break; // LONG_BINGET
        case 0x67: this.push(this.memoGet(Number(this.textInt(this.line())))); break; // GET
        // Objects: only through the allow-list.
        case 0x63: { const m = this.line(); const n = this.line(); this.push(this.resolveGlobal(m, n)); break; } // GLOBAL
        case 0x93: { // STACK_GLOBAL
          const n = this.pop(); const m = this.pop();
          if (typeof m !== 'string' || typeof n !== 'string') this.fail('STACK_GLOBAL needs two strings');
          this.push(this.resolveGlobal(m, n)); break;
        }
        case 0x52: { // REDUCE
          const args = this.asArgs(this.pop(), 'REDUCE'); const g = this.asGlobal(this.pop(), 'REDUCE');
          this.push(this.callGlobal(g, args)); break;
        }
        case 0x81: { // NEWOBJ
          const args = this.asArgs(this.pop(), 'NEWOBJ'); const g = this.asGlobal(this.pop(), 'NEWOBJ');
          this.push(this.newObj(g, args, null)); break;
        }
        case 0x92: { // NEWOBJ_EX
          const kw = this.pop(); const args = this.asArgs(this.pop(), 'NEWOBJ_EX'); const g = this.asGlobal(this.pop(), 'NEWOBJ_EX');
          if (!(kw instanceof Map)) this.fail('NEWOBJ_EX keyword arguments are not a dict');
          this.push(this.newObj(g, args, kw.size ? kw : null)); break;
        }
        case 0x6f: { // OBJ (protocol 1): MARK cls args... OBJ
          const items = this.popMark(); if (!items.length) this.fail('OBJ without a class');
          this.push(this.callGlobal(this.asGlobal(items[0], 'OBJ'), items.slice(1))); break;
        }
        case 0x69: { // INST (protocol 0): GLOBAL-style names, then MARK args
          const g = this.resolveGlobal(this.line(), this.line());
          this.push(this.callGlobal(g, this.popMark())); break;
        }
        case 0x62: { const state = this.pop(); this.build(this.top(), state); break; } // BUILD
        case 0x51: this.push(this.persistent(this.pop())); break; // BINPERSID
        case 0x50: this.push(this.persistent(this.line())); break; // PERSID
        case 0x82: case 0x83: case 0x84: this.fail('extension registry opcodes (EXT1/2/4) are not supported');
        default: this.fail(`bad opcode 0x${code.toString(16).padStart(2, '0')}`);
      }
    }
  }

  private persistent(pid: unknown): unknown {
    if (!this.opts.persistentLoad) this.fail('persistent id found but no persistent loader was given');
    return this.opts.persistentLoad(pid, this.ctx());
  }
}
