//! Runs the task graph of a [`Plan`] on this machine: every task is a child process of the
//! `newspipe` binary running `run-task`, the very code path a cluster runs.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;

use crate::plan::{Plan, PLAN_FILE};
use crate::RunError;

/// How the local executor starts tasks.
#[derive(Debug, Clone)]
pub struct LocalExecutor {
    /// The `newspipe` binary.
    pub program: PathBuf,
    /// Tasks running at once.
    pub jobs: usize,
    /// Worker threads of each task of a step with at least `jobs` ranks; a step with fewer
    /// ranks (a merge, the assemble task) gets the threads its idle slots would have had.
    pub threads_per_task: usize,
}

/// What one task of a local run cost, as the kernel counted it for its process.
#[derive(Debug, Clone, PartialEq)]
pub struct TaskUsage {
    /// The task's step.
    pub task: String,
    /// Its rank.
    pub rank: usize,
    /// Worker threads it was started with.
    pub threads: usize,
    /// Its peak resident memory (the process's maximum RSS), in bytes.
    pub peak_rss_bytes: u64,
    /// CPU seconds it used, user and system.
    pub cpu_seconds: f64,
}

/// Writes `plan` to `workdir/plan.json` unless the same plan is already there (so a run over
/// the same inputs resumes from the tasks already done); returns the plan file.
pub fn write_plan(plan: &Plan, workdir: &Path) -> Result<PathBuf, RunError> {
    let path = workdir.join(PLAN_FILE);
    let mut bytes = serde_json::to_vec_pretty(plan).map_err(|err| RunError::Output(err.into()))?;
    bytes.push(b'\n');
    if fs::read(&path).is_ok_and(|old| old == bytes) {
        return Ok(path);
    }
    let mut file = newspipe_core::AtomicFile::create(&path).map_err(RunError::Output)?;
    std::io::Write::write_all(&mut file, &bytes).map_err(RunError::Output)?;
    file.commit().map_err(RunError::Output)?;
    Ok(path)
}

impl LocalExecutor {
    /// Runs every step of the plan at `plan_path` in order, the ranks of a step side by side;
    /// a slot freed by any finished task starts the next rank at once, whichever rank ran
    /// longest. Stops at the first failed task (once the tasks still running have ended) and
    /// names it with its log file. Returns what each task cost, step by step in rank order.
    pub fn run(&self, plan_path: &Path) -> Result<Vec<TaskUsage>, RunError> {
        let plan = Plan::read(plan_path)?;
        let plan_path = &std::path::absolute(plan_path).map_err(RunError::Output)?;
        let logs = plan_path.parent().unwrap_or(Path::new("/")).join("logs");
        fs::create_dir_all(&logs).map_err(RunError::Output)?;
        let jobs = self.jobs.max(1);
        let mut usage = Vec::new();
        for step in &plan.steps {
            let threads = self.threads_per_task.max(1) * (jobs / step.ranks.clamp(1, jobs));
            let (finished_tx, finished) = mpsc::channel::<FinishedTask>();
            let mut running = 0;
            let mut ranks = 0..step.ranks;
            let mut step_usage = Vec::with_capacity(step.ranks);
            let mut failure: Option<RunError> = None;
            loop {
                while failure.is_none() && running < jobs {
                    let Some(rank) = ranks.next() else { break };
                    let log = logs.join(format!("{}.{rank}.log", step.name));
                    match self.start(plan_path, &step.name, rank, threads, &log) {
                        Ok(child) => {
                            let finished_tx = finished_tx.clone();
                            std::thread::spawn(move || {
                                let result = wait_with_usage(child);
                                let _ = finished_tx.send(FinishedTask { rank, log, result });
                            });
                            running += 1;
                        }
                        Err(err) => failure = Some(err),
                    }
                }
                if running == 0 {
                    break;
                }
                let task = finished
                    .recv()
                    .expect("every running task's waiter sends once");
                running -= 1;
                let (status, rusage) = match task.result {
                    Ok(done) => done,
                    Err(err) => {
                        failure.get_or_insert(RunError::Output(err));
                        continue;
                    }
                };
                step_usage.push(TaskUsage {
                    task: step.name.clone(),
                    rank: task.rank,
                    threads,
                    peak_rss_bytes: rusage.peak_rss_bytes,
                    cpu_seconds: rusage.cpu_seconds,
                });
                if !status.success() && failure.is_none() {
                    failure = Some(task_failed(&step.name, task.rank, status, &task.log));
                }
            }
            if let Some(err) = failure {
                return Err(err);
            }
            step_usage.sort_by_key(|task| task.rank);
            usage.extend(step_usage);
        }
        Ok(usage)
    }

    fn start(
        &self,
        plan: &Path,
        task: &str,
        rank: usize,
        threads: usize,
        log: &Path,
    ) -> Result<Child, RunError> {
        let out = fs::File::create(log).map_err(RunError::Output)?;
        let err = out.try_clone().map_err(RunError::Output)?;
        Command::new(&self.program)
            .arg("run-task")
            .arg("--plan")
            .arg(plan)
            .args(["--task", task, "--rank", &rank.to_string()])
            .args(["--threads", &threads.to_string()])
            .stdin(Stdio::null())
            .stdout(out)
            .stderr(err)
            .spawn()
            .map_err(|err| {
                RunError::Setup(format!("cannot start {}: {err}", self.program.display()))
            })
    }
}

/// A task's process that ended, as its waiter thread reports it.
struct FinishedTask {
    rank: usize,
    log: PathBuf,
    result: std::io::Result<(std::process::ExitStatus, ChildUsage)>,
}

/// The error naming a failed task, with the last lines of its log.
fn task_failed(task: &str, rank: usize, status: std::process::ExitStatus, log: &Path) -> RunError {
    let text = fs::read_to_string(log).unwrap_or_default();
    let mut tail: Vec<&str> = text.lines().rev().take(5).collect();
    tail.reverse();
    RunError::Task(format!(
        "task `{task}` rank {rank} failed ({status}); its log is {}:\n{}",
        log.display(),
        tail.join("\n")
    ))
}

/// What the kernel counted for a finished child process.
struct ChildUsage {
    peak_rss_bytes: u64,
    cpu_seconds: f64,
}

/// Waits for `child` with `wait4`, which returns the exit status together with the resource
/// usage of that one process (its peak RSS above all), where `Child::wait` returns the status
/// only.
fn wait_with_usage(child: Child) -> std::io::Result<(std::process::ExitStatus, ChildUsage)> {
    use std::os::unix::process::ExitStatusExt;
    let pid = libc::pid_t::try_from(child.id()).map_err(std::io::Error::other)?;
    let mut status: libc::c_int = 0;
    // SAFETY: `rusage` is plain data the kernel fills in; zeroed is a valid value of it.
    let mut rusage: libc::rusage = unsafe { std::mem::zeroed() };
    loop {
        // SAFETY: `pid` is our own child, not reaped yet (`child` is consumed, so `Child::wait`
        // cannot reap it again); both pointers are to live locals.
        let reaped = unsafe { libc::wait4(pid, &mut status, 0, &mut rusage) };
        if reaped == pid {
            break;
        }
        let err = std::io::Error::last_os_error();
        if err.kind() != std::io::ErrorKind::Interrupted {
            return Err(err);
        }
    }
    let seconds = |time: libc::timeval| time.tv_sec as f64 + time.tv_usec as f64 / 1e6;
    let usage = ChildUsage {
        // Linux counts `ru_maxrss` in kilobytes.
        peak_rss_bytes: u64::try_from(rusage.ru_maxrss).unwrap_or(0) * 1024,
        cpu_seconds: seconds(rusage.ru_utime) + seconds(rusage.ru_stime),
    };
    Ok((std::process::ExitStatus::from_raw(status), usage))
}

/// What each Slurm task asks for; `None` leaves it to the cluster's defaults.
#[derive(Debug, Clone, Default)]
pub struct SlurmResources {
    /// `--partition`.
    pub partition: Option<String>,
    /// `--time`, in any form Slurm takes (`30`, `2:00:00`, `1-0`).
    pub time: Option<String>,
    /// `--cpus-per-task`; also the task's worker threads.
    pub cpus_per_task: Option<u32>,
    /// `--mem` (`4G`).
    pub memory: Option<String>,
}

/// One step of the plan submitted to Slurm.
#[derive(Debug, Clone)]
pub struct SubmittedStep {
    /// The task's name.
    pub task: String,
    /// Its array job's id.
    pub job: String,
    /// Its ranks.
    pub ranks: usize,
}

/// Submits the task graph of a plan to Slurm: one `sbatch --array` per step, each waiting for
/// the one before with `--dependency=afterok`, every task running `newspipe run-task`.
#[derive(Debug, Clone)]
pub struct SlurmExecutor {
    /// The `newspipe` binary (it must be reachable at this path on the compute nodes).
    pub program: PathBuf,
    /// What each task asks for.
    pub resources: SlurmResources,
}

/// Job states after which a Slurm job runs no more.
const FINAL_STATES: [&str; 10] = [
    "COMPLETED",
    "FAILED",
    "CANCELLED",
    "TIMEOUT",
    "OUT_OF_MEMORY",
    "NODE_FAIL",
    "PREEMPTED",
    "BOOT_FAIL",
    "DEADLINE",
    "REVOKED",
];

impl SlurmExecutor {
    /// Submits every step; returns their job ids in order. The work folder must be shared
    /// with the compute nodes.
    pub fn submit(&self, plan_path: &Path) -> Result<Vec<SubmittedStep>, RunError> {
        let plan = Plan::read(plan_path)?;
        let plan_path = std::path::absolute(plan_path).map_err(RunError::Output)?;
        let logs = plan_path.parent().unwrap_or(Path::new("/")).join("logs");
        fs::create_dir_all(&logs).map_err(RunError::Output)?;
        let mut submitted: Vec<SubmittedStep> = Vec::new();
        for step in &plan.steps {
            let mut command = vec![
                quote(&self.program.display().to_string()),
                "run-task".into(),
                "--plan".into(),
                quote(&plan_path.display().to_string()),
                "--task".into(),
                quote(&step.name),
            ];
            if let Some(cpus) = self.resources.cpus_per_task {
                command.extend(["--threads".into(), cpus.to_string()]);
            }
            let mut sbatch = Command::new("sbatch");
            sbatch
                .arg("--parsable")
                .arg(format!("--job-name=newspipe-{}", step.name))
                .arg(format!("--array=0-{}", step.ranks - 1))
                .arg(format!("--output={}/{}.%a.log", logs.display(), step.name));
            if let Some(previous) = submitted.last() {
                sbatch.arg(format!("--dependency=afterok:{}", previous.job));
            }
            let resources = &self.resources;
            if let Some(partition) = &resources.partition {
                sbatch.arg(format!("--partition={partition}"));
            }
            if let Some(time) = &resources.time {
                sbatch.arg(format!("--time={time}"));
            }
            if let Some(cpus) = resources.cpus_per_task {
                sbatch.arg(format!("--cpus-per-task={cpus}"));
            }
            if let Some(memory) = &resources.memory {
                sbatch.arg(format!("--mem={memory}"));
            }
            sbatch.arg(format!("--wrap=exec {}", command.join(" ")));
            let output = sbatch.output().map_err(|err| {
                RunError::Setup(format!("cannot run sbatch (is Slurm installed?): {err}"))
            })?;
            if !output.status.success() {
                cancel(&submitted);
                return Err(RunError::Task(format!(
                    "sbatch refused task `{}`: {}",
                    step.name,
                    String::from_utf8_lossy(&output.stderr).trim()
                )));
            }
            let stdout = String::from_utf8_lossy(&output.stdout);
            let job = stdout.trim().split(';').next().unwrap_or("").to_string();
            tracing::info!(task = %step.name, job, "Submitted.");
            submitted.push(SubmittedStep {
                task: step.name.clone(),
                job,
                ranks: step.ranks,
            });
        }
        Ok(submitted)
    }

    /// Waits for the submitted steps in order; the first failed task is reported with its
    /// log file, and the steps still waiting are cancelled.
    pub fn wait(&self, plan_path: &Path, steps: &[SubmittedStep]) -> Result<(), RunError> {
        let plan_path = std::path::absolute(plan_path).map_err(RunError::Output)?;
        let workdir = plan_path.parent().unwrap_or(Path::new("/"));
        for (index, step) in steps.iter().enumerate() {
            loop {
                match job_states(&step.job) {
                    Some(states) if states.iter().all(|(_, s)| FINAL_STATES.contains(&&**s)) => {
                        if let Some((rank, state)) =
                            states.iter().find(|(_, state)| state != "COMPLETED")
                        {
                            cancel(&steps[index + 1..]);
                            let log = workdir
                                .join("logs")
                                .join(format!("{}.{rank}.log", step.task));
                            return Err(RunError::Task(format!(
                                "task `{}` rank {rank} (Slurm job {}) ended {state}; its log is {}",
                                step.task,
                                step.job,
                                log.display()
                            )));
                        }
                        break;
                    }
                    Some(_) => {}
                    None => {
                        // Slurm forgets finished jobs; their markers tell what happened.
                        let missing: Vec<usize> = (0..step.ranks)
                            .filter(|rank| {
                                !workdir
                                    .join(&step.task)
                                    .join(rank.to_string())
                                    .join("done.json")
                                    .exists()
                            })
                            .collect();
                        if missing.is_empty() {
                            break;
                        }
                        cancel(&steps[index + 1..]);
                        return Err(RunError::Task(format!(
                            "Slurm job {} (task `{}`) is gone and ranks {missing:?} did not finish; see {}",
                            step.job,
                            step.task,
                            workdir.join("logs").display()
                        )));
                    }
                }
                std::thread::sleep(std::time::Duration::from_secs(1));
            }
        }
        Ok(())
    }
}

/// The state of every task of an array job, by array index (`scontrol -o show job`); `None`
/// when Slurm no longer knows the job.
fn job_states(job: &str) -> Option<Vec<(String, String)>> {
    let output = Command::new("scontrol")
        .args(["-o", "show", "job", job])
        .output()
        .ok()?;
    if !output.status.success() {
        return None;
    }
    let text = String::from_utf8_lossy(&output.stdout);
    let states: Vec<(String, String)> = text
        .lines()
        .filter_map(|line| {
            let field = |name: &str| {
                line.split_whitespace()
                    .find_map(|token| token.strip_prefix(name))
                    .map(str::to_string)
            };
            Some((
                field("ArrayTaskId=").unwrap_or_default(),
                field("JobState=")?,
            ))
        })
        .collect();
    (!states.is_empty()).then_some(states)
}

fn cancel(steps: &[SubmittedStep]) {
    for step in steps {
        let _ = Command::new("scancel").arg(&step.job).status();
    }
}

/// `text` as one single-quoted shell word.
fn quote(text: &str) -> String {
    format!("'{}'", text.replace('\'', r"'\''"))
}
