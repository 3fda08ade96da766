//! The `newspipe` command: run, validate and list pipeline stages.

mod k8s;

use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use newspipe_runner::{RunOptions, RunSummary};
use tracing_subscriber::EnvFilter;

/// Prints a line to stdout; a closed stdout (`newspipe stages | head`) ends the process
/// quietly with success, as ripgrep does, instead of panicking.
macro_rules! say {
    ($($arg:tt)*) => { write_stdout(format_args!("{}\n", format_args!($($arg)*))) };
}

/// [`say!`] without the newline.
macro_rules! say_raw {
    ($($arg:tt)*) => { write_stdout(format_args!($($arg)*)) };
}

/// Writes to stdout; exits quietly (status 0) when the reader has gone away, and with status 1
/// on any other write error.
fn write_stdout(text: std::fmt::Arguments<'_>) {
    // Plugins' own prints never reach it (see `newspipe_plugin_host::stdout`).
    let mut stdout = newspipe_plugin_host::stdout();
    if let Err(err) = stdout.write_fmt(text).and_then(|()| stdout.flush()) {
        if err.kind() == std::io::ErrorKind::BrokenPipe {
            std::process::exit(0);
        }
        eprintln!("error: cannot write to stdout: {err}");
        std::process::exit(1);
    }
}

/// Turn a pile of news articles into a clean, deduplicated, annotated and reliability-scored
/// dataset.
#[derive(Debug, Parser)]
#[command(name = "newspipe", version, about, long_about = None, after_help = "\
Examples:
  newspipe run pipelines/news.yaml              run the default pipeline over seeds/
  newspipe run pipelines/news.yaml --threads 1  same output, one worker thread
  newspipe validate pipelines/*.yaml            check pipeline files without running them
  newspipe test pipelines/news.yaml             run the pipeline's tests and compare snapshots
  newspipe stages                               list stages with their config keys, defaults and what each does
  newspipe plugins inspect target/release/liboutlet_ownership.so   show what a plugin offers

Logging is quiet by default: -v for progress details, -vv for debugging, or set RUST_LOG.")]
struct Cli {
    /// More log output (-v info, -vv debug, -vvv trace); RUST_LOG overrides.
    #[arg(short, long, action = clap::ArgAction::Count, global = true)]
    verbose: u8,

    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run a pipeline: read its input, run its stages, write its outputs.
    Run {
        /// The pipeline YAML file.
        pipeline: PathBuf,
        /// Worker threads (default: every core). The output is the same for any count.
        #[arg(short = 'j', long, value_parser = clap::value_parser!(u16).range(1..))]
        threads: Option<u16>,
        /// Megabytes of documents held in memory between passes; beyond it they wait in a
        /// temporary file. Stage indexes and the batches in flight come on top.
        #[arg(long, value_name = "MB", default_value_t = 256, value_parser = clap::value_parser!(u32).range(1..))]
        memory_mb: u32,
        /// Don't draw a progress bar or print the summary.
        #[arg(short, long)]
        quiet: bool,
        /// Where the work runs: in this process, or split into tasks (`local`: child processes
        /// of this binary). The outputs are the same.
        #[arg(long, value_enum, default_value_t = Executor::InProcess)]
        executor: Executor,
        /// Shards of a run split into tasks (default: one per core).
        #[arg(long, value_parser = clap::value_parser!(u32).range(1..))]
        shards: Option<u32>,
        /// Work folder of a run split into tasks, shared by every task; a run again into the
        /// same folder resumes it (default: a temporary folder, removed after a success).
        #[arg(long, value_name = "DIR")]
        workdir: Option<PathBuf>,
        #[command(flatten)]
        slurm: SlurmFlags,
    },
    /// Split a run into tasks: list the input, cut it into shards, write DIR/plan.json.
    Plan {
        /// The pipeline YAML file.
        pipeline: PathBuf,
        /// How many shards (tasks per step).
        #[arg(long, value_parser = clap::value_parser!(u32).range(1..))]
        shards: u32,
        /// The work folder every task reads and writes.
        #[arg(long, value_name = "DIR")]
        workdir: PathBuf,
        /// Also write job manifests for a cluster: `k8s` (Kubernetes Indexed Jobs, DIR/k8s/).
        #[arg(long, value_enum)]
        emit: Option<Emit>,
        /// With `--emit k8s`: the container image with `newspipe` on its PATH.
        #[arg(long, default_value = "newspipe:latest")]
        image: String,
        /// With `--emit k8s`: the PersistentVolumeClaim that holds the work folder.
        #[arg(long, default_value = "newspipe-work")]
        claim: String,
    },
    /// Run one task of a plan (what a cluster job runs); skipped if already done.
    RunTask {
        /// The plan file (`DIR/plan.json`).
        #[arg(long)]
        plan: PathBuf,
        /// The task's name, as in the plan.
        #[arg(long)]
        task: String,
        /// The task's rank (shard); default: `SLURM_ARRAY_TASK_ID` or `JOB_COMPLETION_INDEX`.
        #[arg(long)]
        rank: Option<usize>,
        /// Worker threads (default: every core).
        #[arg(short = 'j', long, value_parser = clap::value_parser!(u16).range(1..))]
        threads: Option<u16>,
    },
    /// Check pipeline files and report every problem, without running anything.
    Validate {
        /// The pipeline YAML files.
        #[arg(required = true)]
        pipelines: Vec<PathBuf>,
    },
    /// Run the `tests:` blocks of pipelines: expectations and per-stage snapshots.
    Test {
        /// The pipeline YAML files.
        #[arg(required = true)]
        pipelines: Vec<PathBuf>,
        /// Store the new snapshots instead of failing on a difference.
        #[arg(long)]
        accept: bool,
        /// Worker threads (default: every core).
        #[arg(short = 'j', long, value_parser = clap::value_parser!(u16).range(1..))]
        threads: Option<u16>,
    },
    /// List the available stages, with their config keys, defaults and what each key does.
    Stages,
    /// Work with plugin libraries.
    Plugins {
        #[command(subcommand)]
        command: PluginsCommand,
    },
}

/// Where `newspipe run` does its work.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum Executor {
    /// In this process, on a thread pool.
    InProcess,
    /// Split into tasks run as child processes of this binary.
    Local,
    /// Split into tasks submitted to Slurm (one `sbatch --array` per step); needs `--workdir`
    /// on a folder the compute nodes share.
    Slurm,
}

/// Job manifests `newspipe plan` can write.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum Emit {
    /// Kubernetes Indexed Jobs, one per step.
    K8s,
}

/// What each Slurm task asks for, with `--executor slurm`.
#[derive(Debug, clap::Args)]
struct SlurmFlags {
    /// Submit the jobs, print their ids and return without waiting.
    #[arg(long)]
    no_wait: bool,
    /// Slurm partition (default: the pipeline's `cluster: partition`).
    #[arg(long)]
    partition: Option<String>,
    /// Slurm time limit per task (`2:00:00`; default: `cluster: time`).
    #[arg(long)]
    time: Option<String>,
    /// CPUs per task, also its worker threads (default: `cluster: cpus_per_task`).
    #[arg(long)]
    cpus_per_task: Option<u32>,
    /// Memory per task (`4G`; default: `cluster: memory`).
    #[arg(long)]
    mem: Option<String>,
}

#[derive(Debug, Subcommand)]
enum PluginsCommand {
    /// Load a plugin library and print its manifest: version, build, stages, config keys.
    Inspect {
        /// The library file (`.so`, `.dylib`, `.dll`).
        library: PathBuf,
        /// Print the manifest as JSON.
        #[arg(long)]
        json: bool,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    init_logging(cli.verbose);
    let registry = newspipe::registry();
    match cli.command {
        Command::Run {
            pipeline,
            threads,
            memory_mb,
            quiet,
            executor,
            shards,
            workdir,
            slurm,
        } => {
            let pipeline = match newspipe_config::load(&pipeline, &registry) {
                Ok(pipeline) => pipeline,
                Err(diagnostics) => {
                    eprintln!("{diagnostics}");
                    return ExitCode::from(2);
                }
            };
            if executor == Executor::Slurm {
                let Some(workdir) = workdir else {
                    eprintln!(
                        "error: --executor slurm needs --workdir, a folder every compute node sees"
                    );
                    return ExitCode::from(2);
                };
                let shards = shards.map_or_else(cores, |n| n as usize);
                return run_slurm(&pipeline, &registry, shards, &workdir, slurm);
            }
            if executor == Executor::Local {
                let split = Split {
                    shards: shards.map_or_else(cores, |n| n as usize),
                    workdir,
                    threads: threads.map_or(1, usize::from),
                };
                return run_split(&pipeline, &registry, &split, quiet);
            }
            stop_on_signals();
            if quiet {
                newspipe_plugin_host::discard_plugin_output();
            }
            let options = RunOptions {
                threads: threads.map(usize::from),
                progress: !quiet,
                memory_budget: memory_mb as usize * 1024 * 1024,
            };
            match newspipe_runner::run(&pipeline, &registry, &options) {
                Ok(summary) => {
                    if !quiet {
                        let writes = newspipe_config::warnings(&pipeline, &registry).is_empty();
                        print_summary(&summary, &pipeline, writes);
                    }
                    ExitCode::SUCCESS
                }
                Err(newspipe_runner::RunError::Interrupted) => {
                    eprintln!("interrupted: the workers stopped and this run's temporary files were removed; the previous outputs are untouched");
                    ExitCode::from(130)
                }
                Err(err) => {
                    eprintln!("error: {err}");
                    eprintln!("no output was written");
                    ExitCode::FAILURE
                }
            }
        }
        Command::Plan {
            pipeline,
            shards,
            workdir,
            emit,
            image,
            claim,
        } => {
            let pipeline = match newspipe_config::load(&pipeline, &registry) {
                Ok(pipeline) => pipeline,
                Err(diagnostics) => {
                    eprintln!("{diagnostics}");
                    return ExitCode::from(2);
                }
            };
            let written = newspipe_runner::make_plan(&pipeline, &registry, shards as usize)
                .and_then(|plan| newspipe_runner::write_plan(&plan, &workdir).map(|p| (plan, p)));
            match written {
                Ok((plan, path)) => {
                    say!("{}: {} shards", path.display(), plan.shards.len());
                    for step in &plan.steps {
                        say!("  {} × {}", step.name, step.ranks);
                    }
                    if emit == Some(Emit::K8s) {
                        let options = k8s::K8sOptions { image, claim };
                        match k8s::emit(&plan, &workdir, &options) {
                            Ok(files) => {
                                for file in files {
                                    say!("{}", file.display());
                                }
                            }
                            Err(err) => {
                                eprintln!("error: cannot write the Kubernetes manifests: {err}");
                                return ExitCode::FAILURE;
                            }
                        }
                    }
                    ExitCode::SUCCESS
                }
                Err(err) => {
                    eprintln!("error: {err}");
                    ExitCode::FAILURE
                }
            }
        }
        Command::RunTask {
            plan,
            task,
            rank,
            threads,
        } => {
            let Some(rank) = rank.or_else(newspipe_runner::rank_from_env) else {
                eprintln!("error: no rank: pass --rank, or run under Slurm (SLURM_ARRAY_TASK_ID) or a Kubernetes Indexed Job (JOB_COMPLETION_INDEX)");
                return ExitCode::from(2);
            };
            stop_on_signals();
            let options = RunOptions {
                threads: threads.map(usize::from),
                progress: false,
                ..RunOptions::default()
            };
            match newspipe_runner::run_task(&plan, &task, rank, &registry, &options) {
                Ok(newspipe_runner::TaskOutcome::Ran) => ExitCode::SUCCESS,
                Ok(newspipe_runner::TaskOutcome::Skipped) => {
                    eprintln!("task `{task}` rank {rank} is already done; skipped");
                    ExitCode::SUCCESS
                }
                Err(err) => {
                    eprintln!("error: task `{task}` rank {rank}: {err}");
                    ExitCode::FAILURE
                }
            }
        }
        Command::Validate { pipelines } => {
            let mut failed = false;
            for path in pipelines {
                match newspipe_config::load(&path, &registry) {
                    Ok(pipeline) => {
                        let problems = plugin_problems(&pipeline, &registry);
                        if !problems.is_empty() {
                            for problem in problems {
                                eprintln!("error: {}: {problem}", path.display());
                            }
                            failed = true;
                            continue;
                        }
                        say!(
                            "{}: ok ({} stages: {})",
                            path.display(),
                            pipeline.stages.len(),
                            pipeline
                                .stages
                                .iter()
                                .map(|s| s.name.as_str())
                                .collect::<Vec<_>>()
                                .join(" → ")
                        );
                        for warning in newspipe_config::warnings(&pipeline, &registry) {
                            eprintln!("warning: {}: {warning}", path.display());
                        }
                    }
                    Err(diagnostics) => {
                        eprintln!("{diagnostics}");
                        failed = true;
                    }
                }
            }
            if failed {
                ExitCode::from(2)
            } else {
                ExitCode::SUCCESS
            }
        }
        Command::Test {
            pipelines,
            accept,
            threads,
        } => {
            let options = newspipe_snapshot::TestOptions {
                accept,
                threads: threads.map(usize::from),
            };
            test(&pipelines, &registry, &options)
        }
        Command::Stages => {
            for factory in registry.iter() {
                say!("{}\n    {}", factory.name(), factory.summary());
                for key in factory.config_keys() {
                    say!("    {}: {}", key.name, key.default);
                    for line in key.description.iter().flat_map(|text| text.lines()) {
                        say!("        {line}");
                    }
                }
                say!("");
            }
            ExitCode::SUCCESS
        }
        Command::Plugins {
            command: PluginsCommand::Inspect { library, json },
        } => match newspipe_plugin_host::inspect(&library) {
            Ok(manifest) if json => {
                say!("{}", manifest.to_pretty_json());
                ExitCode::SUCCESS
            }
            Ok(manifest) => {
                say_raw!("{}", newspipe_plugin_host::describe(&manifest));
                ExitCode::SUCCESS
            }
            Err(err) => {
                eprintln!("error: {err}");
                ExitCode::FAILURE
            }
        },
    }
}

/// Loads every plugin stage of a pipeline, as a run would, and returns what is wrong with it:
/// a library that does not load, a stage it does not have, a `config:` that does not fit the
/// stage's `config_schema`, or a plugin that rewrites `text` after a stage annotated it (or
/// annotates it before a stage rewrites it).
fn plugin_problems(
    pipeline: &newspipe_config::Pipeline,
    registry: &newspipe_core::Registry,
) -> Vec<String> {
    let cx = newspipe_core::BuildContext {
        base_dir: pipeline.base_dir.clone(),
        pipeline: pipeline.name.clone(),
    };
    let mut problems = Vec::new();
    // The first stage that annotates text, and whether it is a plugin.
    let mut annotator: Option<(String, bool)> = None;
    for (index, spec) in pipeline.stages.iter().enumerate() {
        let is_plugin = spec.name == "plugin";
        let (label, rewrites, annotates) = if is_plugin {
            let check = newspipe_plugin_host::check_stage(&spec.config, &cx);
            for problem in &check.problems {
                problems.push(format!(
                    "stages[{index}].plugin ({}): {problem}",
                    check.label
                ));
            }
            (check.label, check.rewrites_text, check.annotates_text)
        } else {
            match registry.get(&spec.name) {
                Some(factory) => (
                    format!("`{}`", spec.name),
                    factory.rewrites_text(),
                    factory.annotates_text(),
                ),
                None => continue,
            }
        };
        if let Some((first, first_is_plugin)) = &annotator {
            // Built-in pairs are already checked when the pipeline loads.
            if rewrites && (is_plugin || *first_is_plugin) {
                problems.push(format!(
                    "stages[{index}]: {label} rewrites `text` after {first} annotated it: every \
                     annotation offset would point into the wrong text; move it before {first}"
                ));
            }
        }
        if annotates && annotator.is_none() {
            annotator = Some((label, is_plugin));
        }
    }
    problems
}

/// How `newspipe run` splits a run into tasks.
struct Split {
    shards: usize,
    workdir: Option<PathBuf>,
    threads: usize,
}

fn cores() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get())
}

/// This program's path, which a split run's tasks are started with; says why when it cannot
/// be found.
fn task_program() -> Option<PathBuf> {
    std::env::current_exe()
        .map_err(|err| eprintln!("error: cannot find this program to start its tasks: {err}"))
        .ok()
}

/// Plans the run into a work folder and runs its tasks as child processes of this binary.
fn run_split(
    pipeline: &newspipe_config::Pipeline,
    registry: &newspipe_core::Registry,
    split: &Split,
    quiet: bool,
) -> ExitCode {
    let temporary = match &split.workdir {
        Some(_) => None,
        None => match tempfile::Builder::new().prefix("newspipe-work-").tempdir() {
            Ok(dir) => Some(dir),
            Err(err) => {
                eprintln!("error: cannot make a work folder: {err}");
                return ExitCode::FAILURE;
            }
        },
    };
    let workdir = split
        .workdir
        .clone()
        .or_else(|| temporary.as_ref().map(|dir| dir.path().to_path_buf()))
        .expect("a work folder");
    let Some(program) = task_program() else {
        return ExitCode::FAILURE;
    };
    let executor = newspipe_runner::LocalExecutor {
        program,
        jobs: cores(),
        threads_per_task: split.threads,
    };
    let result = newspipe_runner::make_plan(pipeline, registry, split.shards)
        .and_then(|plan| newspipe_runner::write_plan(&plan, &workdir))
        .and_then(|plan| executor.run(&plan));
    match result {
        Ok(usage) => {
            for task in &usage {
                tracing::debug!(
                    task = %task.task,
                    rank = task.rank,
                    threads = task.threads,
                    peak_rss_mb = task.peak_rss_bytes / (1 << 20),
                    cpu_seconds = task.cpu_seconds,
                    "Task done."
                );
            }
            if !quiet {
                eprintln!(
                    "{}: {} shards done; stats: {}",
                    pipeline.name,
                    split.shards,
                    pipeline.stats.display()
                );
            }
            ExitCode::SUCCESS
        }
        Err(err) => {
            eprintln!("error: {err}");
            if split.workdir.is_some() {
                eprintln!("run the same command again to resume from the tasks already done");
            } else if let Some(dir) = temporary {
                eprintln!(
                    "the work folder is kept for inspection: {}",
                    dir.keep().display()
                );
            }
            ExitCode::FAILURE
        }
    }
}

/// Plans the run into `workdir` and submits its steps to Slurm; waits unless `--no-wait`.
fn run_slurm(
    pipeline: &newspipe_config::Pipeline,
    registry: &newspipe_core::Registry,
    shards: usize,
    workdir: &std::path::Path,
    flags: SlurmFlags,
) -> ExitCode {
    let Some(program) = task_program() else {
        return ExitCode::FAILURE;
    };
    let executor = newspipe_runner::SlurmExecutor {
        program,
        resources: newspipe_runner::SlurmResources {
            partition: flags
                .partition
                .or_else(|| pipeline.cluster.partition.clone()),
            time: flags.time.or_else(|| pipeline.cluster.time.clone()),
            cpus_per_task: flags.cpus_per_task.or(pipeline.cluster.cpus_per_task),
            memory: flags.mem.or_else(|| pipeline.cluster.memory.clone()),
        },
    };
    let result = newspipe_runner::make_plan(pipeline, registry, shards)
        .and_then(|plan| newspipe_runner::write_plan(&plan, workdir))
        .and_then(|plan| {
            let steps = executor.submit(&plan)?;
            for step in &steps {
                say!("{} {} × {}", step.job, step.task, step.ranks);
            }
            if flags.no_wait {
                Ok(())
            } else {
                executor.wait(&plan, &steps)
            }
        });
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("error: {err}");
            ExitCode::FAILURE
        }
    }
}

/// Runs the tests of every pipeline; prints each result and the failures with their diffs.
fn test(
    pipelines: &[PathBuf],
    registry: &newspipe_core::Registry,
    options: &newspipe_snapshot::TestOptions,
) -> ExitCode {
    let (mut passed, mut failed) = (0, 0);
    let mut invalid = false;
    // Pipelines whose tests left new snapshots to review, for the hint at the end.
    let mut with_new_snapshots = Vec::new();
    for path in pipelines {
        let pipeline = match newspipe_config::load(path, registry) {
            Ok(pipeline) => pipeline,
            Err(diagnostics) => {
                eprintln!("{diagnostics}");
                invalid = true;
                continue;
            }
        };
        if pipeline.tests.is_empty() {
            say!("{}: no tests", path.display());
            continue;
        }
        let outcomes = match newspipe_snapshot::run_tests(&pipeline, registry, options) {
            Ok(outcomes) => outcomes,
            Err(err) => {
                eprintln!("{}: error: {err}", path.display());
                failed += 1;
                continue;
            }
        };
        for outcome in outcomes {
            let status = if outcome.passed() { "ok" } else { "FAILED" };
            say!("test {} :: {} ... {status}", path.display(), outcome.name);
            for failure in &outcome.failures {
                say!("  {}", failure.trim_end().replace('\n', "\n  "));
            }
            for file in &outcome.written {
                say!("  wrote {}", file.display());
            }
            if !options.accept && !outcome.written.is_empty() && !with_new_snapshots.contains(&path)
            {
                with_new_snapshots.push(path);
            }
            if outcome.passed() {
                passed += 1;
            } else {
                failed += 1;
            }
        }
    }
    say!("\n{passed} passed, {failed} failed");
    if !with_new_snapshots.is_empty() {
        let paths: Vec<String> = with_new_snapshots
            .iter()
            .map(|path| path.display().to_string())
            .collect();
        say!(
            "review new snapshots with `cargo insta review`, or accept them all with `newspipe test {} --accept`",
            paths.join(" ")
        );
    }
    if invalid {
        ExitCode::from(2)
    } else if failed > 0 {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    }
}

/// Prints the run's counts to stderr; `writes` says whether any stage wrote the documents
/// out, so a pipeline without `export` does not claim to have written them.
fn print_summary(summary: &RunSummary, pipeline: &newspipe_config::Pipeline, writes: bool) {
    let out = if writes {
        format!("written {}", summary.written)
    } else {
        format!(
            "{} through every stage but none written (no stage writes documents out; add `export`)",
            summary.written
        )
    };
    eprintln!(
        "{}: read {}, {out}, rejected {}, dropped {} in {:.2}s on {} thread{}",
        summary.pipeline,
        summary.read,
        summary.rejected,
        summary.dropped,
        summary.seconds,
        summary.threads,
        if summary.threads == 1 { "" } else { "s" },
    );
    if !summary.skipped.is_empty() {
        let total: u64 = summary.skipped.values().sum();
        let reasons: Vec<String> = summary
            .skipped
            .iter()
            .map(|(reason, count)| format!("{count} {reason}"))
            .collect();
        eprintln!(
            "  skipped {total} file{}: {}",
            if total == 1 { "" } else { "s" },
            reasons.join("; ")
        );
    }
    let skipped_by: Vec<String> = summary
        .stages
        .iter()
        .filter(|stage| stage.skipped > 0)
        .map(|stage| format!("{} {}", stage.name, stage.skipped))
        .collect();
    if !skipped_by.is_empty() {
        eprintln!(
            "  documents a stage passed over (other language, not an article; see meta.skipped): {}",
            skipped_by.join(", ")
        );
    }
    if summary.rejected > 0 {
        eprintln!(
            "  rejected documents and reasons: {}",
            pipeline.rejects.display()
        );
    }
    if summary.dropped > 0 {
        eprintln!("  dropped documents: {}", pipeline.dropped.display());
    }
    eprintln!("  stats: {}", pipeline.stats.display());
}

/// On Ctrl-C or SIGTERM, asks the run to stop at the next batch (it then removes its
/// temporary files and commits nothing); a second signal ends the process at once, leaving
/// its temporary files for the next run into the same folders to remove.
fn stop_on_signals() {
    let installed = ctrlc::set_handler(|| {
        if newspipe_runner::request_stop() {
            eprintln!("interrupted again: stopping now; the previous outputs are untouched");
            std::process::exit(130);
        }
        eprintln!("stopping: finishing the current batch (Ctrl-C again to stop at once)");
    });
    if let Err(err) = installed {
        tracing::warn!("cannot handle Ctrl-C: {err}");
    }
}

/// Starts logging at the level `-v` asks for. The level applies to newspipe's own events and
/// plugins' (target `plugin`); dependencies (the HTML parser's `foster parenting` notes, for
/// example) speak only at `error` until `-vv`, so a run over ordinary pages stays quiet.
fn init_logging(verbose: u8) {
    let default = match verbose {
        0 => "error,newspipe=warn,plugin=warn",
        1 => "error,newspipe=info,plugin=info",
        2 => "warn,newspipe=debug,plugin=debug",
        _ => "trace",
    };
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(default));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal())
        .with_target(false)
        .compact()
        .init();
}
