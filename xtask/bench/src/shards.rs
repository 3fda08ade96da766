//! `cargo xtask bench --shards N`: the whole pipeline split into N single-thread shards run by
//! the local executor (child processes of this program, through the same `run_task` code a
//! cluster runs), against the in-process run on every core: throughput and its ratio, each
//! task's peak memory as the kernel counted it, and each corpus stage's observation (every
//! file a shard's observe task writes for the merge side) in bytes per document and as a share of the input.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::{anyhow, Context, Result};
use newspipe_config::Pipeline;
use newspipe_runner::{LocalExecutor, Plan, TaskKind};
use serde::Serialize;

/// The bar of the sharded run's throughput, as a share of the in-process run's.
pub const THROUGHPUT_BAR: f64 = 0.90;
/// The bar of each task's peak memory.
pub const PEAK_BAR_BYTES: u64 = 1 << 30;
/// The bar of each stage's observation, as a share of the input's bytes.
pub const OBSERVATION_BAR: f64 = 0.05;

/// What a sharded run measured on one corpus.
#[derive(Debug, Serialize)]
pub struct ShardReport {
    /// The corpus's short name.
    pub corpus: String,
    /// Shards (ranks of each observe step).
    pub shards: usize,
    /// Documents read.
    pub docs: usize,
    /// Bytes of the input files, as the plan counts them.
    pub input_bytes: u64,
    /// Seconds of the in-process run on `threads` threads.
    pub in_process_seconds: f64,
    /// Its CPU seconds.
    pub in_process_cpu_seconds: f64,
    /// Seconds of the sharded run: the plan, then every task.
    pub sharded_seconds: f64,
    /// CPU seconds of the executor and every task: the work, whatever else the machine runs.
    pub sharded_cpu_seconds: f64,
    /// Seconds of the plan alone (listing and hashing the input).
    pub plan_seconds: f64,
    /// The in-process run's seconds over the sharded run's: its share of the throughput.
    pub throughput_ratio: f64,
    /// The in-process run's CPU seconds over the sharded run's.
    pub cpu_ratio: f64,
    /// Cores both runs used.
    pub threads: usize,
    /// Each step: its tasks' largest peak memory and CPU seconds.
    pub steps: Vec<StepCost>,
    /// Each corpus stage's observation and state.
    pub observations: Vec<Observation>,
    /// Bytes the work folder held at the end.
    pub workdir_bytes: u64,
}

/// The cost of one step of the plan.
#[derive(Debug, Serialize)]
pub struct StepCost {
    /// The step's name.
    pub task: String,
    /// Its ranks.
    pub ranks: usize,
    /// Threads each of its tasks ran with.
    pub threads: usize,
    /// The largest peak RSS of its tasks, in bytes.
    pub peak_rss_bytes: u64,
    /// CPU seconds of all its tasks.
    pub cpu_seconds: f64,
    /// Bytes its tasks wrote to the work folder.
    pub written_bytes: u64,
}

/// The files of an observe task that only the documents' side reads (the next task after the
/// merge) or that only mark the task done: every other file it writes is the merge side's.
const NOT_OBSERVATION: [&str; 4] = ["docs.jsonl", "rejected.jsonl", "dropped.jsonl", "done.json"];

/// One corpus stage's observation, summed over the shards: every file its observe tasks write
/// for the merge side (`records.bin`, the counts in `meta.json`, and the files a split merge's
/// steps read, such as dedupe's summaries and band keys).
#[derive(Debug, Serialize)]
pub struct Observation {
    /// The stage.
    pub stage: String,
    /// Bytes of every merge-side file of every shard.
    pub bytes: u64,
    /// Those bytes by file name, summed over the shards.
    pub files: BTreeMap<String, u64>,
    /// Bytes per document read.
    pub bytes_per_doc: f64,
    /// Share of the input's bytes.
    pub share_of_input: f64,
    /// Bytes of the merged state: its one file, or all its shards' files together.
    pub state_bytes: u64,
    /// Bytes of state the apply task of one shard reads: the one state, or the largest
    /// shard's own state when the stage writes one per shard.
    pub apply_state_bytes: u64,
}

/// The in-process run a sharded run is compared with.
#[derive(Debug, Clone, Copy)]
pub struct InProcess {
    /// Its seconds.
    pub seconds: f64,
    /// Its CPU seconds, user and system.
    pub cpu_seconds: f64,
}

/// What the child process of a sharded run (`run-split`) reports.
#[derive(Debug, Serialize, serde::Deserialize)]
pub struct SplitRun {
    plan_seconds: f64,
    seconds: f64,
    input_bytes: u64,
    /// CPU seconds of the executor process itself (the plan, starting and waiting).
    own_cpu_seconds: f64,
    tasks: Vec<TaskCost>,
}

/// One task's cost, as the kernel counted it for its process.
#[derive(Debug, Serialize, serde::Deserialize)]
struct TaskCost {
    task: String,
    threads: usize,
    peak_rss_bytes: u64,
    cpu_seconds: f64,
}

/// Runs `pipeline` over `corpus` split into `shards` single-thread shards with `threads`
/// tasks at once, and compares it with `in_process` (the same pipeline on `threads` threads in
/// a fresh process); `work` is emptied of what the run wrote. The split run's executor is a
/// fresh, small process too: the kernel counts a child's peak memory from the memory its parent
/// had when it forked, so the tasks must not be forked from the bench itself.
#[allow(clippy::too_many_arguments)]
pub fn measure(
    pipeline: &Pipeline,
    corpus_name: &str,
    corpus: &Path,
    docs: usize,
    shards: usize,
    threads: usize,
    work: &Path,
    in_process: InProcess,
) -> Result<ShardReport> {
    let folder = work.join(format!("shards-{corpus_name}"));
    let _ = std::fs::remove_dir_all(&folder);
    std::fs::create_dir_all(&folder)?;
    let file = write_pipeline(pipeline, corpus, &folder)?;
    let workdir = folder.join("work");
    let output = std::process::Command::new(std::env::current_exe()?)
        .arg("run-split")
        .arg("--pipeline")
        .arg(&file)
        .arg("--workdir")
        .arg(&workdir)
        .args([
            "--shards",
            &shards.to_string(),
            "--jobs",
            &threads.to_string(),
        ])
        .stderr(std::process::Stdio::inherit())
        .output()
        .context("cannot start the bench's own run-split process")?;
    anyhow::ensure!(
        output.status.success(),
        "run-split failed: {}",
        output.status
    );
    let run: SplitRun =
        serde_json::from_slice(&output.stdout).context("run-split printed no result")?;
    let plan = Plan::read(&workdir.join(newspipe_runner::PLAN_FILE)).map_err(|e| anyhow!("{e}"))?;
    let cpu_seconds = run.own_cpu_seconds + run.tasks.iter().map(|t| t.cpu_seconds).sum::<f64>();
    let report = ShardReport {
        corpus: corpus_name.into(),
        shards,
        docs,
        input_bytes: run.input_bytes,
        in_process_seconds: in_process.seconds,
        in_process_cpu_seconds: in_process.cpu_seconds,
        sharded_seconds: run.seconds,
        sharded_cpu_seconds: cpu_seconds,
        plan_seconds: run.plan_seconds,
        throughput_ratio: in_process.seconds / run.seconds,
        cpu_ratio: in_process.cpu_seconds / cpu_seconds,
        threads,
        steps: step_costs(&plan, &run.tasks, &workdir)?,
        observations: observations(&plan, &workdir, docs)?,
        workdir_bytes: folder_bytes(&workdir)?,
    };
    std::fs::remove_dir_all(&folder)
        .with_context(|| format!("cannot remove {}", folder.display()))?;
    Ok(report)
}

/// The child side of [`measure`]: plans the run of the pipeline file into `workdir`, runs
/// every task with the local executor (this program's `run-task`), and prints a [`SplitRun`].
pub fn run_split_child(pipeline: &Path, workdir: &Path, shards: usize, jobs: usize) -> Result<()> {
    let registry = newspipe::registry();
    let split = newspipe_config::load(pipeline, &registry).map_err(|d| anyhow!("{d}"))?;
    let started = Instant::now();
    let plan = newspipe_runner::make_plan(&split, &registry, shards).map_err(|e| anyhow!("{e}"))?;
    let plan_path = newspipe_runner::write_plan(&plan, workdir).map_err(|e| anyhow!("{e}"))?;
    let plan_seconds = started.elapsed().as_secs_f64();
    let executor = LocalExecutor {
        program: std::env::current_exe()?,
        jobs,
        threads_per_task: 1,
    };
    let usage = executor.run(&plan_path).map_err(|e| anyhow!("{e}"))?;
    let run = SplitRun {
        plan_seconds,
        seconds: started.elapsed().as_secs_f64(),
        input_bytes: plan.input_bytes,
        own_cpu_seconds: own_cpu_seconds(),
        tasks: usage
            .into_iter()
            .map(|task| TaskCost {
                task: task.task,
                threads: task.threads,
                peak_rss_bytes: task.peak_rss_bytes,
                cpu_seconds: task.cpu_seconds,
            })
            .collect(),
    };
    println!("{}", serde_json::to_string(&run)?);
    Ok(())
}

/// CPU seconds, user and system, this process has used so far.
pub fn own_cpu_seconds() -> f64 {
    // SAFETY: `usage` is plain data the kernel fills in; zeroed is a valid value of it.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: a valid `who` and a pointer to a live local.
    if unsafe { libc::getrusage(libc::RUSAGE_SELF, &mut usage) } != 0 {
        return 0.0;
    }
    let seconds = |time: libc::timeval| time.tv_sec as f64 + time.tv_usec as f64 / 1e6;
    seconds(usage.ru_utime) + seconds(usage.ru_stime)
}

/// Writes the pipeline's stages over `corpus`, with every output in `folder/out`, as a
/// pipeline file (JSON, which YAML reads) the tasks load.
fn write_pipeline(pipeline: &Pipeline, corpus: &Path, folder: &Path) -> Result<PathBuf> {
    let out = folder.join("out");
    let stages: Vec<serde_json::Value> = pipeline
        .stages
        .iter()
        .map(|stage| {
            let mut config = stage.config.clone();
            if stage.name == "export" {
                if let Some(keys) = config.as_object_mut() {
                    for (key, value) in keys.iter_mut() {
                        if matches!(
                            key.as_str(),
                            "jsonl" | "csv" | "sqlite" | "html" | "parquet"
                        ) {
                            *value = out.join(key).display().to_string().into();
                        }
                    }
                }
            }
            serde_json::json!({ stage.name.clone(): config })
        })
        .collect();
    let file = serde_json::json!({
        "name": format!("{}-shards", pipeline.name),
        "input": {
            "path": corpus.canonicalize()?,
            "format": "auto",
            "batch_size": pipeline.input.batch_size,
        },
        "rejects": out.join("rejects.jsonl"),
        "dropped": out.join("dropped.jsonl"),
        "stats": out.join("stats.json"),
        "stages": stages,
    });
    let path = folder.join("pipeline.yaml");
    std::fs::write(&path, serde_json::to_string_pretty(&file)?)?;
    Ok(path)
}

/// Each step's largest peak memory, CPU seconds and bytes written.
fn step_costs(plan: &Plan, usage: &[TaskCost], workdir: &Path) -> Result<Vec<StepCost>> {
    plan.steps
        .iter()
        .map(|step| {
            let tasks: Vec<_> = usage.iter().filter(|u| u.task == step.name).collect();
            Ok(StepCost {
                task: step.name.clone(),
                ranks: step.ranks,
                threads: tasks.first().map_or(1, |u| u.threads),
                peak_rss_bytes: tasks.iter().map(|u| u.peak_rss_bytes).max().unwrap_or(0),
                cpu_seconds: tasks.iter().map(|u| u.cpu_seconds).sum(),
                written_bytes: folder_bytes(&workdir.join(&step.name))?,
            })
        })
        .collect()
}

/// Each corpus stage's observation: its observe step's `records.bin` over every shard, and
/// the state its merge step wrote.
fn observations(plan: &Plan, workdir: &Path, docs: usize) -> Result<Vec<Observation>> {
    let mut out = Vec::new();
    for (index, step) in plan.steps.iter().enumerate() {
        if step.kind != TaskKind::Observe {
            continue;
        }
        let stage = step
            .name
            .strip_prefix("observe-")
            .unwrap_or(&step.name)
            .to_string();
        let mut files: BTreeMap<String, u64> = BTreeMap::new();
        for rank in 0..step.ranks {
            let folder = workdir.join(&step.name).join(rank.to_string());
            let entries = std::fs::read_dir(&folder)
                .with_context(|| format!("cannot read {}", folder.display()))?;
            for entry in entries {
                let entry = entry?;
                let name = entry.file_name().to_string_lossy().into_owned();
                if !NOT_OBSERVATION.contains(&name.as_str()) {
                    *files.entry(name).or_default() += entry.metadata()?.len();
                }
            }
        }
        let bytes = files.values().sum();
        // The stage's merge: the next step, or the last of a split merge's steps.
        let merge = plan.steps[index + 1..]
            .iter()
            .find(|later| later.kind != TaskKind::MergeStep);
        let states = match merge {
            Some(merge) if merge.kind == TaskKind::Merge => {
                state_files(&workdir.join(&merge.name).join("0"))?
            }
            _ => Vec::new(),
        };
        let state_bytes = states.iter().sum();
        let apply_state_bytes = states.iter().copied().max().unwrap_or(0);
        out.push(Observation {
            stage,
            bytes,
            files,
            bytes_per_doc: bytes as f64 / docs.max(1) as f64,
            share_of_input: bytes as f64 / plan.input_bytes.max(1) as f64,
            state_bytes,
            apply_state_bytes,
        });
    }
    Ok(out)
}

/// The bytes of each state file a merge task wrote in `folder`: `state.bin`, or one
/// `state-R.bin` per shard.
fn state_files(folder: &Path) -> Result<Vec<u64>> {
    let mut sizes = Vec::new();
    for entry in
        std::fs::read_dir(folder).with_context(|| format!("cannot read {}", folder.display()))?
    {
        let entry = entry?;
        let name = entry.file_name().to_string_lossy().into_owned();
        if name.starts_with("state") && name.ends_with(".bin") {
            sizes.push(entry.metadata()?.len());
        }
    }
    Ok(sizes)
}

/// Bytes of every file below `folder`.
fn folder_bytes(folder: &Path) -> Result<u64> {
    let mut total = 0;
    let mut pending = vec![folder.to_path_buf()];
    while let Some(dir) = pending.pop() {
        for entry in std::fs::read_dir(&dir)? {
            let entry = entry?;
            let kind = entry.file_type()?;
            if kind.is_dir() {
                pending.push(entry.path());
            } else {
                total += entry.metadata()?.len();
            }
        }
    }
    Ok(total)
}

/// Prints a sharded run's figures under the bench's table, each against its bar.
pub fn print(report: &ShardReport) {
    let mark = |ok: bool| if ok { "ok" } else { "MISSED" };
    let mb = |bytes: u64| bytes as f64 / 1e6;
    println!(
        "\n{}: {} shards of one thread, {} at once (local executor) vs in process on {} threads, {} documents, {:.1} MB of input",
        report.corpus,
        report.shards,
        report.threads,
        report.threads,
        report.docs,
        mb(report.input_bytes)
    );
    println!(
        "  in process {:.2}s ({:.2} MB/s); sharded {:.2}s ({:.2} MB/s; the plan {:.2}s): {:.0}% of the throughput [{} ≥ {:.0}%]",
        report.in_process_seconds,
        mb(report.input_bytes) / report.in_process_seconds,
        report.sharded_seconds,
        mb(report.input_bytes) / report.sharded_seconds,
        report.plan_seconds,
        report.throughput_ratio * 100.0,
        mark(report.throughput_ratio >= THROUGHPUT_BAR),
        THROUGHPUT_BAR * 100.0
    );
    println!(
        "  CPU: in process {:.1}s, sharded {:.1}s (tasks and executor): {:.0}% of the work's throughput",
        report.in_process_cpu_seconds,
        report.sharded_cpu_seconds,
        report.cpu_ratio * 100.0
    );
    println!(
        "  {:<28} {:>5} {:>7} {:>12} {:>11} {:>14}",
        "step", "ranks", "threads", "peak MB", "CPU s", "workdir MB"
    );
    for step in &report.steps {
        println!(
            "  {:<28} {:>5} {:>7} {:>9.0} {:<2} {:>11.1} {:>14.1}",
            step.task,
            step.ranks,
            step.threads,
            mb(step.peak_rss_bytes),
            if step.peak_rss_bytes < PEAK_BAR_BYTES {
                ""
            } else {
                "!"
            },
            step.cpu_seconds,
            mb(step.written_bytes)
        );
    }
    let peak = report
        .steps
        .iter()
        .map(|s| s.peak_rss_bytes)
        .max()
        .unwrap_or(0);
    println!(
        "  largest task peak {:.0} MB [{} < 1 GiB]; work folder {:.0} MB",
        mb(peak),
        mark(peak < PEAK_BAR_BYTES),
        mb(report.workdir_bytes)
    );
    println!(
        "  {:<20} {:>14} {:>12} {:>10} {:>12}",
        "observation", "bytes", "B/document", "% input", "state bytes"
    );
    let shards = report.shards.max(1) as f64;
    for stage in &report.observations {
        println!(
            "  {:<20} {:>14} {:>12.0} {:>9.1}% {:>12} {}",
            stage.stage,
            stage.bytes,
            stage.bytes_per_doc,
            stage.share_of_input * 100.0,
            stage.state_bytes,
            if stage.share_of_input <= OBSERVATION_BAR {
                ""
            } else {
                "MISSED ≤ 5%"
            }
        );
        let per_file: Vec<String> = stage
            .files
            .iter()
            .map(|(name, bytes)| format!("{name} {:.0}", *bytes as f64 / report.docs.max(1) as f64))
            .collect();
        println!("  {:<20} B/document: {}", "", per_file.join(", "));
        if stage.apply_state_bytes != stage.state_bytes {
            println!(
                "  {:<20} one state per shard: an apply task reads at most {} bytes ({:.0} B per document of its shard)",
                "",
                stage.apply_state_bytes,
                stage.apply_state_bytes as f64 / (report.docs.max(1) as f64 / shards)
            );
        }
    }
}
