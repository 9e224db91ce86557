//! Mutations over byte strings: small edits that keep most of a seed's
//! structure (so inputs reach deep into a parser), the format's tokens,
//! splices between seeds, and repetition that builds deep nesting.

/// xorshift64*: fast, deterministic for a given seed, no dependency.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Self(seed | 1)
    }

    pub fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    /// A number below `n` (`n` > 0).
    pub fn below(&mut self, n: usize) -> usize {
        usize::try_from(self.next() % (n.max(1) as u64)).unwrap_or(0)
    }
}

/// Inputs stay below this size, so one run stays fast.
const MAX_LEN: usize = 512 * 1024;

/// A mutant of a random seed: one to eight stacked mutations.
pub fn mutate(rng: &mut Rng, corpus: &[Vec<u8>], tokens: &[&str]) -> Vec<u8> {
    let mut data = corpus[rng.below(corpus.len())].clone();
    for _ in 0..=rng.below(8) {
        mutate_once(rng, &mut data, corpus, tokens);
    }
    data.truncate(MAX_LEN);
    data
}

fn mutate_once(rng: &mut Rng, data: &mut Vec<u8>, corpus: &[Vec<u8>], tokens: &[&str]) {
    let at = |rng: &mut Rng, data: &Vec<u8>| rng.below(data.len() + 1);
    match rng.below(10) {
        0 if !data.is_empty() => {
            let i = rng.below(data.len());
            data[i] ^= 1 << rng.below(8);
        }
        1 if !data.is_empty() => {
            let i = rng.below(data.len());
            data[i] = [0, 0xff, b'\n', b'"', b'\\', b'{', b'}', b'$', b' ', 0x80][rng.below(10)];
        }
        2 if !data.is_empty() => {
            let start = rng.below(data.len());
            let len = rng.below((data.len() - start).min(64) + 1);
            data.drain(start..start + len);
        }
        3 | 4 if !tokens.is_empty() => {
            let token = tokens[rng.below(tokens.len())].as_bytes();
            let i = at(rng, data);
            data.splice(i..i, token.iter().copied());
        }
        5 if !data.is_empty() => {
            // Copy a chunk of the input elsewhere in it.
            let start = rng.below(data.len());
            let len = rng.below((data.len() - start).min(256) + 1);
            let chunk = data[start..start + len].to_vec();
            let i = at(rng, data);
            data.splice(i..i, chunk);
        }
        6 => {
            // Splice in a piece of another seed.
            let other = &corpus[rng.below(corpus.len())];
            if !other.is_empty() {
                let start = rng.below(other.len());
                let len = rng.below((other.len() - start).min(512) + 1);
                let i = at(rng, data);
                data.splice(i..i, other[start..start + len].iter().copied());
            }
        }
        7 if !tokens.is_empty() => {
            // Deep repetition: nesting and long chains.
            let token = tokens[rng.below(tokens.len())].as_bytes();
            let times = [2, 16, 100, 1000, 20_000][rng.below(5)];
            let i = at(rng, data);
            let repeated: Vec<u8> = token
                .iter()
                .copied()
                .cycle()
                .take(token.len() * times)
                .collect();
            data.splice(i..i, repeated);
        }
        8 if !data.is_empty() => {
            // Cut the input short: unterminated everything.
            let len = rng.below(data.len());
            data.truncate(len);
        }
        _ => {
            let i = at(rng, data);
            let byte = u8::try_from(rng.below(256)).unwrap_or(0);
            data.insert(i, byte);
        }
    }
}
