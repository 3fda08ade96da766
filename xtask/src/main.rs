//! Project automation, run as `cargo xtask <command>`.

use std::process::Command;

mod build_plugins;
mod fuzz;
mod new_stage;
mod plugin_header;
mod train_ner;

use anyhow::{bail, Context, Result};
use clap::{Parser, Subcommand};

/// newspipe's development tasks.
#[derive(Debug, Parser)]
#[command(name = "cargo xtask")]
struct Cli {
    #[command(subcommand)]
    command: Task,
}

#[derive(Debug, Subcommand)]
enum Task {
    /// What CI runs: format check, clippy with warnings as errors, the release binary, then
    /// every test (the large split-run test runs the release binary, named in
    /// `NEWSPIPE_RELEASE_BIN`).
    Ci,
    /// Create a stage crate `crates/NAME` (config, stage, factory, a test) and wire it in: the
    /// workspace, the registry in `crates/cli`, the conformance test. See CONTRIBUTING.md.
    NewStage {
        /// The stage's YAML name: lower-case letters, digits and hyphens (`word-floor`).
        name: String,
    },
    /// Build the example plugins (release) and print their library paths.
    BuildPlugins {
        /// Build in debug mode instead.
        #[arg(long)]
        debug: bool,
    },
    /// Write the plugin ABI's C header, crates/plugin-abi/include/newspipe_plugin.h, from the
    /// Rust types (cbindgen).
    PluginHeader,
    /// Benchmark each stage and the whole default pipeline (release build); see `--help`.
    #[command(disable_help_flag = true)]
    Bench {
        /// Options for the bench (`cargo xtask bench --help` lists them).
        #[arg(trailing_var_arg = true, allow_hyphen_values = true)]
        args: Vec<String>,
    },
    /// Write a reproducible corpus of clustered, damaged copies of real articles.
    #[command(disable_help_flag = true)]
    GenCorpus {
        /// Options (`cargo xtask gen-corpus --help` lists them).
        #[arg(trailing_var_arg = true, allow_hyphen_values = true)]
        args: Vec<String>,
    },
    /// Generate a labelled corpus, dedupe it and print the Adjusted Rand Index.
    #[command(disable_help_flag = true)]
    DedupeAri {
        /// Options (`cargo xtask dedupe-ari --help` lists them).
        #[arg(trailing_var_arg = true, allow_hyphen_values = true)]
        args: Vec<String>,
    },
    /// Train the entity model on CoNLL-2003 `eng.train`, report it on `eng.testa` after each
    /// epoch, and write `crates/extract/data/ner.model.gz`. Deterministic.
    TrainNer {
        /// Folder holding `eng.train` and `eng.testa`.
        #[arg(long, default_value = "../shared/devdata/conll2003")]
        data: std::path::PathBuf,
        /// Passes over the training documents.
        #[arg(long)]
        epochs: Option<usize>,
        /// log2 of the number of hash buckets of the weight table.
        #[arg(long)]
        rows_log2: Option<u32>,
        /// Where to write the model (default: the shipped model file).
        #[arg(long)]
        out: Option<std::path::PathBuf>,
    },
    /// Run every cargo-fuzz target under `fuzz/` (nightly + cargo-fuzz) for a while, one at a
    /// time, print runs, coverage and crashes, and fail on a crash.
    Fuzz {
        /// Seconds to fuzz each target.
        #[arg(long, default_value_t = 60)]
        seconds: u64,
        /// Only this target (repeatable): pipeline_config, normalize_text, normalize_html,
        /// jsonl_reader, extract.
        #[arg(long = "target")]
        targets: Vec<String>,
    },
}

fn main() -> Result<()> {
    match Cli::parse().command {
        Task::Ci => ci(),
        Task::NewStage { name } => {
            let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
                .parent()
                .context("xtask lives in the workspace")?;
            let dir = new_stage::new_stage(root, &name)?;
            eprintln!(
                "created {} and wired it in; next: CONTRIBUTING.md, \"Add a stage\"",
                dir.display()
            );
            Ok(())
        }
        Task::BuildPlugins { debug } => build_plugins::build_plugins(debug),
        Task::PluginHeader => plugin_header::write_header(),
        Task::Bench { args } => {
            let library = build_plugins::passthrough_library()?;
            let mut all = vec!["--plugin".to_owned(), library];
            all.extend(args);
            bench_tool("bench", &all)
        }
        Task::GenCorpus { args } => bench_tool("gen-corpus", &args),
        Task::DedupeAri { args } => bench_tool("dedupe-ari", &args),
        Task::Fuzz { seconds, targets } => fuzz::fuzz(seconds, &targets),
        Task::TrainNer {
            data,
            epochs,
            rows_log2,
            out,
        } => train_ner::train_ner(&data, epochs, rows_log2, out),
    }
}

/// Runs a command of the release-built `newspipe-bench` tool.
fn bench_tool(command: &str, args: &[String]) -> Result<()> {
    let mut all = vec![
        "run",
        "--release",
        "--quiet",
        "-p",
        "newspipe-bench",
        "--",
        command,
    ];
    all.extend(args.iter().map(String::as_str));
    cargo(&all)
}

fn ci() -> Result<()> {
    cargo(&["fmt", "--all", "--", "--check"])?;
    cargo(&[
        "clippy",
        "--workspace",
        "--all-targets",
        "--locked",
        "--",
        "-D",
        "warnings",
    ])?;
    cargo(&["build", "--release", "--locked", "-p", "newspipe"])?;
    let release = target_dir().join("release").join("newspipe");
    cargo_with_env(
        &["test", "--workspace", "--locked"],
        &[("NEWSPIPE_RELEASE_BIN", release.as_os_str())],
    )?;
    Ok(())
}

/// Cargo's target folder: `CARGO_TARGET_DIR`, else `target/` in the workspace.
fn target_dir() -> std::path::PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../target"))
}

/// Runs `cargo` with `args` from the workspace root, failing if it fails.
fn cargo(args: &[&str]) -> Result<()> {
    cargo_with_env(args, &[])
}

/// [`cargo`] with the environment variables `env` set.
fn cargo_with_env(args: &[&str], env: &[(&str, &std::ffi::OsStr)]) -> Result<()> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let root = concat!(env!("CARGO_MANIFEST_DIR"), "/..");
    eprintln!("$ cargo {}", args.join(" "));
    let status = Command::new(&cargo)
        .args(args)
        .envs(env.iter().copied())
        .current_dir(root)
        .status()
        .with_context(|| format!("cannot start {cargo}"))?;
    if !status.success() {
        bail!("`cargo {}` failed ({status})", args.join(" "));
    }
    Ok(())
}
