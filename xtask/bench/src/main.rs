//! newspipe's benchmarks and generated corpora. Run through `cargo xtask bench` and
//! `cargo xtask gen-corpus`, which build this in release mode.

mod corpus;
mod measure;
mod real;
mod report;
mod shards;

use std::path::PathBuf;

use anyhow::Result;
use clap::{Parser, Subcommand};

/// Benchmarks and corpora for newspipe.
#[derive(Debug, Parser)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Time each stage alone and the whole default pipeline, on 1 and N threads.
    Bench(measure::BenchArgs),
    /// Write a reproducible corpus of clustered, damaged copies (JSON Lines with `cluster`).
    GenCorpus {
        /// Output file.
        #[arg(long)]
        out: PathBuf,
        #[command(flatten)]
        spec: corpus::CorpusArgs,
    },
    /// Generate a labelled corpus, run the dedupe stage on it and print its Adjusted Rand Index.
    DedupeAri {
        #[command(flatten)]
        spec: corpus::CorpusArgs,
    },
    /// Run the whole pipeline once over a corpus and print its seconds and peak memory as
    /// JSON: the bench runs this in a fresh process per measurement.
    #[command(hide = true)]
    RunPipeline {
        #[arg(long)]
        pipeline: PathBuf,
        #[arg(long)]
        corpus: PathBuf,
        #[arg(long)]
        out: PathBuf,
        #[arg(long)]
        threads: usize,
        /// The export forms written.
        #[arg(long, value_enum, default_value = "every")]
        forms: measure::Forms,
    },
    /// Plan a run into a work folder and run its tasks with the local executor, printing the
    /// seconds and each task's cost as JSON: `bench --shards` runs this in a fresh process.
    #[command(hide = true)]
    RunSplit {
        #[arg(long)]
        pipeline: PathBuf,
        #[arg(long)]
        workdir: PathBuf,
        #[arg(long)]
        shards: usize,
        #[arg(long)]
        jobs: usize,
    },
    /// Run one task of a plan, as `newspipe run-task` does: the local executor of
    /// `bench --shards` starts this program for each task.
    #[command(hide = true)]
    RunTask {
        #[arg(long)]
        plan: PathBuf,
        #[arg(long)]
        task: String,
        #[arg(long)]
        rank: usize,
        #[arg(long)]
        threads: usize,
    },
}

fn main() -> Result<()> {
    match Cli::parse().command {
        Command::Bench(args) => measure::bench(&args),
        Command::GenCorpus { out, spec } => {
            let docs = corpus::generate(&spec)?;
            corpus::write(&docs, &out)?;
            let bytes: usize = docs.iter().map(|d| d.text.len()).sum();
            let clusters = docs
                .iter()
                .map(|d| d.cluster.as_str())
                .collect::<std::collections::HashSet<_>>()
                .len();
            eprintln!(
                "wrote {} documents ({:.1} MB of text, {clusters} clusters) to {}",
                docs.len(),
                bytes as f64 / 1e6,
                out.display()
            );
            Ok(())
        }
        Command::DedupeAri { spec } => corpus::dedupe_ari(&spec),
        Command::RunPipeline {
            pipeline,
            corpus,
            out,
            threads,
            forms,
        } => measure::run_pipeline_child(&pipeline, &corpus, &out, threads, forms),
        Command::RunSplit {
            pipeline,
            workdir,
            shards,
            jobs,
        } => shards::run_split_child(&pipeline, &workdir, shards, jobs),
        Command::RunTask {
            plan,
            task,
            rank,
            threads,
        } => {
            let options = newspipe_runner::RunOptions {
                threads: Some(threads),
                progress: false,
                ..Default::default()
            };
            newspipe_runner::run_task(&plan, &task, rank, &newspipe::registry(), &options)
                .map_err(|err| anyhow::anyhow!("task `{task}` rank {rank}: {err}"))?;
            Ok(())
        }
    }
}
