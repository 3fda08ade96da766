//! `cargo xtask fuzz`: runs every cargo-fuzz target under `fuzz/` for a while, one after the
//! other, and prints a table of runs, coverage and crashes; fails if any target crashed.
//!
//! Each target's corpus starts from `fuzz/seeds/<target>/`, its kept crashers in
//! `fuzz/regressions/<target>/` and the repository's own inputs (`seeds/`, `pipelines/`); what
//! libFuzzer learns goes to `fuzz/corpus/<target>/` (not committed), crashers to
//! `fuzz/artifacts/<target>/`, the full log to `fuzz/logs/<target>.log`.

use std::fs::File;
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use anyhow::{bail, Context, Result};

/// One fuzz target and the settings that suit its inputs.
struct Target {
    name: &'static str,
    /// Longest input libFuzzer generates, in bytes.
    max_len: usize,
    /// Folders of the repository (besides `fuzz/seeds/<name>`) whose files seed the corpus.
    repo_seeds: &'static [&'static str],
}

/// Every target in `fuzz/fuzz_targets/`.
const TARGETS: &[Target] = &[
    Target {
        name: "pipeline_config",
        max_len: 4096,
        repo_seeds: &["pipelines"],
    },
    Target {
        name: "normalize_text",
        max_len: 16384,
        repo_seeds: &["seeds"],
    },
    Target {
        name: "normalize_html",
        max_len: 16384,
        repo_seeds: &[],
    },
    Target {
        name: "jsonl_reader",
        max_len: 8192,
        repo_seeds: &[],
    },
    Target {
        name: "extract",
        max_len: 16384,
        repo_seeds: &["seeds"],
    },
];

/// What one run of one target did, from libFuzzer's output.
#[derive(Default)]
struct Outcome {
    runs: Option<u64>,
    cov: Option<u64>,
    ft: Option<u64>,
    corpus: Option<u64>,
    seconds: f64,
    /// The crashing input libFuzzer saved, if it found one.
    crash: Option<String>,
    success: bool,
}

/// Runs the targets named in `only` (every target when empty) for `seconds` each.
pub fn fuzz(seconds: u64, only: &[String]) -> Result<()> {
    check_tools()?;
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let root = root
        .canonicalize()
        .context("cannot find the workspace root")?;
    for name in only {
        if !TARGETS.iter().any(|t| t.name == name) {
            let known: Vec<&str> = TARGETS.iter().map(|t| t.name).collect();
            bail!(
                "unknown fuzz target `{name}`; targets: {}",
                known.join(", ")
            );
        }
    }
    let chosen: Vec<&Target> = TARGETS
        .iter()
        .filter(|t| only.is_empty() || only.iter().any(|name| name == t.name))
        .collect();
    let mut results = Vec::new();
    for target in chosen {
        let outcome = run_target(&root, target, seconds)?;
        results.push((target.name, outcome));
    }
    print_table(&results);
    let failed: Vec<&str> = results
        .iter()
        .filter(|(_, o)| !o.success)
        .map(|(name, _)| *name)
        .collect();
    if !failed.is_empty() {
        bail!(
            "fuzzing failed for {}: fix the bug, then keep the input under fuzz/regressions/<target>/",
            failed.join(", ")
        );
    }
    Ok(())
}

/// Fails with install instructions unless nightly Rust and cargo-fuzz are there.
fn check_tools() -> Result<()> {
    let works = |args: &[&str]| {
        Command::new("cargo")
            .args(args)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|status| status.success())
    };
    if !works(&["+nightly", "--version"]) {
        bail!("fuzzing needs a nightly toolchain: run `rustup toolchain install nightly`");
    }
    if !works(&["+nightly", "fuzz", "--version"]) {
        bail!("fuzzing needs cargo-fuzz: run `cargo install cargo-fuzz --locked`");
    }
    Ok(())
}

fn run_target(root: &Path, target: &Target, seconds: u64) -> Result<Outcome> {
    let fuzz_dir = root.join("fuzz");
    let corpus = fuzz_dir.join("corpus").join(target.name);
    std::fs::create_dir_all(&corpus)?;
    let logs = fuzz_dir.join("logs");
    std::fs::create_dir_all(&logs)?;
    let mut seed_dirs: Vec<PathBuf> = vec![
        fuzz_dir.join("seeds").join(target.name),
        fuzz_dir.join("regressions").join(target.name),
    ];
    seed_dirs.extend(target.repo_seeds.iter().map(|dir| root.join(dir)));
    seed_dirs.retain(|dir| dir.is_dir());

    let mut command = Command::new("cargo");
    command
        .args(["+nightly", "fuzz", "run", "--sanitizer", "none"])
        .current_dir(root);
    if let Some(dir) = std::env::var_os("CARGO_TARGET_DIR") {
        // Keep the instrumented nightly build apart from the workspace's stable one.
        command
            .arg("--target-dir")
            .arg(PathBuf::from(dir).join("fuzz"));
    }
    command
        .arg(target.name)
        .arg(&corpus)
        .args(&seed_dirs)
        .args([
            "--".to_owned(),
            format!("-max_total_time={seconds}"),
            format!("-max_len={}", target.max_len),
            "-rss_limit_mb=2048".to_owned(),
            "-timeout=20".to_owned(),
            "-print_final_stats=1".to_owned(),
        ]);
    let log_path = logs.join(format!("{}.log", target.name));
    eprintln!(
        "fuzzing `{}` for {seconds}s (log: {})",
        target.name,
        log_path.display()
    );
    let started = std::time::Instant::now();
    let mut child = command
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .context("cannot start `cargo +nightly fuzz`")?;
    let mut log = File::create(&log_path)?;
    let mut outcome = Outcome::default();
    let stderr = child.stderr.take().context("no stderr from cargo fuzz")?;
    for line in BufReader::new(stderr).lines() {
        let line = line?;
        writeln!(log, "{line}")?;
        read_line(&line, &mut outcome);
    }
    outcome.success = child.wait()?.success();
    outcome.seconds = started.elapsed().as_secs_f64();
    if !outcome.success {
        eprintln!("`{}` failed; the end of its log:", target.name);
        let text = std::fs::read_to_string(&log_path)?;
        let lines: Vec<&str> = text.lines().collect();
        for line in &lines[lines.len().saturating_sub(40)..] {
            eprintln!("  {line}");
        }
    }
    Ok(outcome)
}

/// Picks the numbers out of one line of libFuzzer's output.
fn read_line(line: &str, outcome: &mut Outcome) {
    if let Some(path) = line
        .split("Test unit written to ")
        .nth(1)
        .filter(|_| line.contains("artifact_prefix"))
    {
        outcome.crash = Some(path.trim().to_owned());
    }
    if let Some(runs) = line.strip_prefix("stat::number_of_executed_units:") {
        outcome.runs = runs.trim().parse().ok();
    }
    // Status lines: `#12345	NEW    cov: 1234 ft: 5678 corp: 90/12Kb ...`
    if line.starts_with('#') {
        let mut words = line.split_whitespace();
        while let Some(word) = words.next() {
            let value = || words.clone().next().and_then(number);
            match word {
                "cov:" => outcome.cov = value(),
                "ft:" => outcome.ft = value(),
                "corp:" => outcome.corpus = value(),
                _ => {}
            }
        }
    }
}

/// The leading number of `90/12Kb` or `1234`.
fn number(word: &str) -> Option<u64> {
    word.split('/').next()?.parse().ok()
}

fn print_table(results: &[(&str, Outcome)]) {
    let show = |value: Option<u64>| value.map_or_else(|| "-".to_owned(), |v| v.to_string());
    println!(
        "{:<16} {:>8} {:>12} {:>7} {:>8} {:>7}  result",
        "target", "seconds", "runs", "cov", "ft", "corpus"
    );
    for (name, o) in results {
        let result = match (&o.crash, o.success) {
            (Some(path), _) => format!("CRASH {path}"),
            (None, true) => "ok".to_owned(),
            (None, false) => "FAILED (see its log)".to_owned(),
        };
        println!(
            "{:<16} {:>8.0} {:>12} {:>7} {:>8} {:>7}  {result}",
            name,
            o.seconds,
            show(o.runs),
            show(o.cov),
            show(o.ft),
            show(o.corpus),
        );
    }
}
