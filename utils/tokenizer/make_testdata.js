// Writes the tokenizer test data under test/tools/tokenizer/Inputs/ with
// Hugging Face tokenizers (npm `tokenizers`), an implementation
// independent of Gaon's: two byte-level BPE tokenizers trained on
// utils/tokenizer/corpus.txt (GPT-2's pre-tokenizer; Llama 3's regex split)
// with added special tokens, saved as tokenizer.json, and for each the
// token ids of every line of utils/tokenizer/samples.txt, then of all of
// corpus.txt and tricky.txt (newlines, tabs, Unicode spaces, combining
// marks, other scripts' digits) each as one text.
//
//   npm install --prefix /tmp/hf tokenizers@0.23.2 &&
//   NODE_PATH=/tmp/hf/node_modules node utils/tokenizer/make_testdata.js
//
// The output is committed; rerun only to change the data.
const fs = require('fs');
const path = require('path');
const { Tokenizer } = require('tokenizers');

const here = __dirname;
const out = path.join(here, '..', '..', 'test', 'tools', 'tokenizer', 'Inputs');
fs.mkdirSync(out, { recursive: true });

const llama3 =
  "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";

function config(kind) {
  const byteLevel = (useRegex) => ({ type: 'ByteLevel', add_prefix_space: false, trim_offsets: true, use_regex: useRegex });
  return {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: [],
    normalizer: null,
    pre_tokenizer: kind === 'gpt2' ? byteLevel(true) : {
      type: 'Sequence',
      pretokenizers: [
        { type: 'Split', pattern: { Regex: llama3 }, behavior: 'Isolated', invert: false },
        byteLevel(false),
      ],
    },
    post_processor: null,
    decoder: byteLevel(true),
    model: { type: 'BPE', dropout: null, unk_token: null, continuing_subword_prefix: null,
             end_of_word_suffix: null, fuse_unk: false, byte_fallback: false, ignore_merges: false,
             vocab: {}, merges: [] },
  };
}

// GPT-2's byte-to-character table: printable bytes map to themselves, the
// rest to U+0100 upwards.
function byteAlphabet() {
  const chars = [];
  let n = 0;
  for (let b = 0; b < 256; ++b) {
    const printable = (b >= 33 && b <= 126) || (b >= 161 && b <= 172) || (b >= 174 && b <= 255);
    chars.push(String.fromCodePoint(printable ? b : 256 + n++));
  }
  return chars;
}

async function main() {
  const corpus = path.join(here, 'corpus.txt');
  const samples = fs.readFileSync(path.join(here, 'samples.txt'), 'utf8').split('\n').filter((l) => l.length);
  for (const kind of ['gpt2', 'llama3']) {
    const tok = Tokenizer.fromString(JSON.stringify(config(kind)));
    tok.train([corpus]);
    // Every byte must be a token, as in real byte-level vocabularies.
    const json = JSON.parse(fs.readFileSync(saveTmp(tok), 'utf8'));
    const vocab = json.model.vocab;
    let next = Math.max(...Object.values(vocab)) + 1;
    for (const c of byteAlphabet())
      if (!(c in vocab)) vocab[c] = next++;
    json.added_tokens = ['<|begin_of_text|>', '<|end_of_text|>', '[|assistant|]'].map((content) => ({
      id: next++, content, single_word: false, lstrip: false, rstrip: false, normalized: false, special: true,
    }));
    const file = path.join(out, kind + '.tokenizer.json');
    fs.writeFileSync(file, JSON.stringify(json));
    const final = Tokenizer.fromFile(file);
    const cases = [];
    for (const text of samples) {
      const enc = await final.encode(text, null, { addSpecialTokens: false });
      cases.push({ text, ids: enc.getIds() });
    }
    // Whole files too: newlines, runs of whitespace, Unicode spaces.
    for (const name of ['corpus', 'tricky']) {
      const text = fs.readFileSync(path.join(here, name + '.txt'), 'utf8');
      const enc = await final.encode(text, null, { addSpecialTokens: false });
      cases.push({ file: name + '.txt', ids: enc.getIds() });
    }
    fs.writeFileSync(path.join(out, kind + '.expected.json'), JSON.stringify(cases, null, 0) + '\n');
    console.log(kind + ': vocab ' + final.getVocabSize(true) + ', ' + cases.length + ' samples');
  }
}

function saveTmp(tok) {
  const p = path.join(require('os').tmpdir(), 'gaon-tok-' + process.pid + '.json');
  tok.save(p);
  return p;
}

main().catch((e) => { console.error(e); process.exit(1); });
