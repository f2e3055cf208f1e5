// Seeded generator of hard tokenizer inputs: many scripts, combining marks, digits of several
// number systems, whitespace runs, code, emoji sequences, special-token text (whole and cut),
// contractions, random code points and random bytes decoded as UTF-8. Shared by the agreement
// test and the tokenizer benchmark.

// xorshift128+ style generator on 32-bit halves: deterministic across Node versions.
export function makeRng(seed) {
    let a = seed >>> 0 || 1, b = 0x9e3779b9, c = 0x243f6a88, d = 0xb7e15162;
    const next = () => {
        const t = a ^ (a << 11);
        a = b; b = c; c = d;
        d = (d ^ (d >>> 19) ^ t ^ (t >>> 8)) >>> 0;
        return d;
    };
    for (let i = 0; i < 16; i++) next();
    return {
        u32: next,
        int: (n) => next() % n,
        pick: (arr) => arr[next() % arr.length],
        chance: (p) => next() / 4294967296 < p,
    };
}

const WORDS = {
    latin: ['the', 'The', 'HELLO', 'world', 'quick', 'brown', 'fox', 'jumps', 'tokenizer', 'SmolLM', 'naïve', 'café',
        'déjà', 'Straße', 'façade', 'œuvre', 'ÆØÅ', 'İstanbul', 'ĳ', 'ﬁnance', 'Ⅻ', 'µs', 'e\u0301', 'a\u0308\u0323'],
    greek: ['Ελληνικά', 'λόγος', 'ΣΊΣΥΦΟΣ', 'ς'],
    cyrillic: ['русский', 'ТЕКСТ', 'Ёлка', 'україна', 'й'],
    arabic: ['مرحبا', 'العربية', 'كتاب', '\u064b\u0650'],
    hebrew: ['שלום', 'עברית', 'בְּרֵאשִׁית'],
    indic: ['हिन्दी', 'नमस्ते', 'ক্ষ', 'தமிழ்', 'ਪੰਜਾਬੀ'],
    thai: ['ภาษาไทย', 'สวัสดี', 'กรุงเทพ'],
    cjk: ['日本語', 'のテキスト', 'カタカナ', '中文文本', '漢字', '한국어', '텍스트', '𠀋', '。', '、', '「引用」', 'ｶﾀｶﾅ', 'ＡＢＣ'],
    emoji: ['🦙', '🚀', '👍🏽', '❤️', '👨‍👩‍👧‍👦', '🇫🇷', '🏳️‍🌈', '☕', '✅', '🤖', '1️⃣', '©', '™', '🀄'],
    digits: ['0', '7', '42', '123', '2024', '3.14159', '1,000,000', '٣٤٥', '१२३', '１２３', '²', '½', '⅞', '১০', '๑๒', '0x1F', '1e-9', '-273.15'],
    code: ['def f(x):\n    return x * 2\n', 'for (int i = 0; i < n; ++i) {', '}', 'if (a && b || !c) { x += 1; }',
        '#include <stdio.h>', 'const x = arr.map((v) => v ** 2);', '<div class="a">', '</div>', 'SELECT * FROM t WHERE id=1;',
        '    ', '\t\t', 'x[i][j] = y[j][i];', '// comment', '/* block */', '"""docstring"""', "print('hi')", 'a->b', '::', '...',
        '===', '!==', '<=>', '||=', 'λx.x', '$HOME', '@decorator', '%d%%', '\\n'],
    punct: ['.', ',', '!', '?', ';', ':', '—', '–', '…', '(', ')', '[', ']', '{', '}', '"', "'", '«', '»', '¿', '¡', '§', '¶',
        '†', '※', '‽', '·', '•', '&', '*', '#', '~', '`', '^', '|', '/', '\\', '_', '-', '+', '=', '<', '>', '$', '€', '£', '¥'],
    contractions: ["'s", "'t", "'re", "'ve", "'m", "'ll", "'d", "'S", "'T", "'RE", "'Ve", "'LL", "'D", "'x", "'", "''",
        "don't", "I'm", "we'd've", "O'Neil", "it's", "ISN'T"],
    special: ['<|im_start|>', '<|im_end|>', '<|endoftext|>', '<|im_start|>user\n', '<|im_start|>assistant\n', '<|im_',
        'im_end|>', '<|', '|>', '<repo_name>', '<reponame>', '<file_sep>', '<jupyter_code>', '<empty_output>',
        '<|begin_of_text|>', '<|end_of_text|>', '<|eot_id|>', '<|start_header_id|>', '<|end_header_id|>',
        '<|reserved_special_token_7|>', '<s>', '</s>', '<unk>', '<<s>>', '<|im_start|><|im_end|>', '<|endoftext|><|endoftext|>'],
};
const SPACES = [' ', '  ', '   ', '\t', '\n', '\n\n', '\r\n', '\r', ' \n', '\n ', '\u00a0', '\u3000', '\u2028', '\u2009',
    '\u200b', '\u000b', '\u000c', '\u0085', '        ', ' \t \n'];
const GROUPS = Object.keys(WORDS);

function randomCodePoint(rng) {
    // Mostly assigned planes, sometimes anything (unassigned, private use, controls).
    const r = rng.int(10);
    if (r < 3) return rng.int(0x80);
    if (r < 7) return 0x80 + rng.int(0x10000 - 0x80);
    return rng.int(0x110000);
}

function randomCodePoints(rng) {
    let s = '';
    const n = 1 + rng.int(6);
    for (let i = 0; i < n; i++) {
        let cp = randomCodePoint(rng);
        if (cp >= 0xd800 && cp <= 0xdfff && !rng.chance(0.5)) cp = 0x41 + rng.int(26);   // keep some lone surrogates
        s += cp >= 0xd800 && cp <= 0xdfff ? String.fromCharCode(cp) : String.fromCodePoint(cp);
    }
    return s;
}

const decoder = new TextDecoder('utf-8');   // replaces invalid sequences with U+FFFD
function randomBytesAsText(rng) {
    const bytes = new Uint8Array(1 + rng.int(12));
    for (let i = 0; i < bytes.length; i++) bytes[i] = rng.chance(0.5) ? 0x80 + rng.int(0x80) : rng.int(0x100);
    return decoder.decode(bytes);
}

function piece(rng) {
    const r = rng.int(100);
    if (r < 22) return rng.pick(SPACES);
    if (r < 26) return randomCodePoints(rng);
    if (r < 29) return randomBytesAsText(rng);
    return rng.pick(WORDS[rng.pick(GROUPS)]);
}

// One test string of `pieces` fragments, joined with or without separating spaces.
export function mixedString(rng, pieces) {
    let s = '';
    for (let i = 0; i < pieces; i++) {
        s += piece(rng);
        if (rng.chance(0.45)) s += ' ';
    }
    return s;
}

// `count` strings, from a single code point up to a few hundred fragments.
export function mixedStrings(seed, count) {
    const rng = makeRng(seed);
    const out = [];
    for (let i = 0; i < count; i++) {
        const size = rng.chance(0.1) ? 40 + rng.int(200) : 1 + rng.int(12);
        out.push(mixedString(rng, size));
    }
    return out;
}
