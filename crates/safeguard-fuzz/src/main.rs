//! `safeguard-fuzz`: a mutation fuzzer that runs on stable Rust, for
//! safeguard's parsers and what builds on them (HCL module loading and
//! evaluation, JSON plans, Postfix, Dovecot, Exim, policy YAML,
//! `safeguard.toml`, tenant exports, Microsoft365DSC scripts, and the
//! language server's message handling). Each target starts from the repository's own
//! fixtures and mutates them (bit flips, byte edits, chunk copies, splices
//! between seeds, the format's own tokens, deep repetition) for a time
//! budget. A panic is caught, and the input saved under `--crashes` with
//! its hash; the input about to run is always in `last-input-TARGET`, so an
//! abort (stack overflow) or a hang killed by `timeout` leaves it behind.
//! A run slower than `--slow-ms` is saved as a slow input. The exit code is
//! 1 when a crash was found.
//!
//! ```text
//! safeguard-fuzz [--seconds N] [--seed N] [--root DIR] [--crashes DIR] [--slow-ms N] TARGET|all
//! safeguard-fuzz --replay FILE TARGET
//! ```

mod lsp;
mod mutate;
mod targets;

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use targets::{TARGETS, Target};

struct Options {
    seconds: u64,
    seed: u64,
    root: PathBuf,
    crashes: PathBuf,
    slow_ms: u64,
    replay: Option<PathBuf>,
    target: String,
}

fn parse_args() -> Result<Options, String> {
    let mut options = Options {
        seconds: 10,
        seed: 0x5afe_6a4d,
        root: PathBuf::from("."),
        crashes: PathBuf::from("target/fuzz-crashes"),
        slow_ms: 2000,
        replay: None,
        target: String::new(),
    };
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let mut value = |name: &str| args.next().ok_or(format!("{name} needs a value"));
        match arg.as_str() {
            "--seconds" => {
                options.seconds = value("--seconds")?
                    .parse()
                    .map_err(|e| format!("--seconds: {e}"))?
            }
            "--seed" => {
                options.seed = value("--seed")?
                    .parse()
                    .map_err(|e| format!("--seed: {e}"))?
            }
            "--root" => options.root = PathBuf::from(value("--root")?),
            "--crashes" => options.crashes = PathBuf::from(value("--crashes")?),
            "--slow-ms" => {
                options.slow_ms = value("--slow-ms")?
                    .parse()
                    .map_err(|e| format!("--slow-ms: {e}"))?
            }
            "--replay" => options.replay = Some(PathBuf::from(value("--replay")?)),
            "--help" | "-h" => return Err(String::new()),
            other if other.starts_with('-') => return Err(format!("unknown option {other}")),
            other => options.target = other.to_owned(),
        }
    }
    if options.target.is_empty() {
        return Err("name a target".to_owned());
    }
    Ok(options)
}

fn main() {
    let options = match parse_args() {
        Ok(options) => options,
        Err(message) => {
            let names: Vec<&str> = TARGETS.iter().map(|t| t.name).collect();
            eprintln!(
                "{message}\nusage: safeguard-fuzz [--seconds N] [--seed N] [--root DIR] [--crashes DIR] [--slow-ms N] TARGET|all\n       safeguard-fuzz --replay FILE TARGET\ntargets: {}",
                names.join(", ")
            );
            std::process::exit(2);
        }
    };
    let selected: Vec<&Target> = TARGETS
        .iter()
        .filter(|t| options.target == "all" || t.name == options.target)
        .collect();
    if selected.is_empty() {
        eprintln!("no target named {}", options.target);
        std::process::exit(2);
    }
    if let Some(file) = &options.replay {
        let bytes = std::fs::read(file).unwrap_or_else(|e| {
            eprintln!("cannot read {}: {e}", file.display());
            std::process::exit(2);
        });
        for target in selected {
            let start = Instant::now();
            (target.run)(&bytes);
            println!("{}: ran in {:?}", target.name, start.elapsed());
        }
        return;
    }
    // A panic is caught and reported by the driver; keep stderr readable.
    std::panic::set_hook(Box::new(|_| {}));
    let mut crashed = false;
    for target in selected {
        crashed |= fuzz(target, &options);
    }
    std::process::exit(i32::from(crashed));
}

/// Seed files for a target: every matching file under the root, skipping
/// build output and VCS data, at most 256 KiB each.
fn seeds(target: &Target, root: &Path) -> Vec<Vec<u8>> {
    let mut found = Vec::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        let mut entries: Vec<_> = entries.filter_map(Result::ok).collect();
        entries.sort_by_key(std::fs::DirEntry::file_name);
        for entry in entries {
            let path = entry.path();
            let name = entry.file_name();
            let name = name.to_string_lossy();
            let Ok(kind) = entry.file_type() else {
                continue;
            };
            if kind.is_dir() {
                if !name.starts_with('.') && name != "target" && name != "hostile" {
                    stack.push(path);
                }
            } else if kind.is_file()
                && (target.seeds)(&path)
                && entry.metadata().is_ok_and(|m| m.len() <= 256 * 1024)
                && let Ok(bytes) = std::fs::read(&path)
            {
                match target.extract {
                    Some(extract) => found.extend(extract(&path, &bytes)),
                    None => found.push(bytes),
                }
            }
        }
    }
    if found.is_empty() {
        found.push(Vec::new());
    }
    found
}

/// Fuzzes one target for the time budget; true when it crashed.
fn fuzz(target: &Target, options: &Options) -> bool {
    let corpus = seeds(target, &options.root);
    let _ = std::fs::create_dir_all(&options.crashes);
    let last = options.crashes.join(format!("last-input-{}", target.name));
    let mut rng = mutate::Rng::new(options.seed ^ fnv(target.name.as_bytes()));
    let budget = Duration::from_secs(options.seconds);
    let start = Instant::now();
    let (mut runs, mut crashes, mut slow) = (0u64, 0u64, 0u64);
    // Each seed once as it is, then mutants.
    let mut queue: Vec<Vec<u8>> = corpus.clone();
    while start.elapsed() < budget {
        let input = queue
            .pop()
            .unwrap_or_else(|| mutate::mutate(&mut rng, &corpus, target.tokens));
        let _ = std::fs::write(&last, &input);
        let began = Instant::now();
        let outcome = std::panic::catch_unwind(|| (target.run)(&input));
        let took = began.elapsed();
        runs += 1;
        if let Err(panic) = outcome {
            crashes += 1;
            let message = panic
                .downcast_ref::<&str>()
                .map(|s| (*s).to_owned())
                .or_else(|| panic.downcast_ref::<String>().cloned())
                .unwrap_or_default();
            let path = options
                .crashes
                .join(format!("crash-{}-{:016x}", target.name, fnv(&input)));
            let _ = std::fs::write(&path, &input);
            eprintln!(
                "{}: panic: {message}\n  input saved to {}",
                target.name,
                path.display()
            );
        } else if took.as_millis() > u128::from(options.slow_ms) {
            slow += 1;
            let path = options
                .crashes
                .join(format!("slow-{}-{:016x}", target.name, fnv(&input)));
            let _ = std::fs::write(&path, &input);
            eprintln!(
                "{}: slow input ({took:?}) saved to {}",
                target.name,
                path.display()
            );
        }
    }
    let _ = std::fs::remove_file(&last);
    println!(
        "{}: {runs} runs in {:.1} s from {} seeds, {crashes} crashes, {slow} slow",
        target.name,
        start.elapsed().as_secs_f64(),
        corpus.len()
    );
    crashes > 0
}

/// FNV-1a, for file names of saved inputs.
fn fnv(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |hash, b| {
        (hash ^ u64::from(*b)).wrapping_mul(0x0100_0000_01b3)
    })
}
