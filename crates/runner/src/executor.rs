//! Runs the task graph of a [`Plan`] on this machine: every task is a child process of the
//! `newspipe` binary running `run-task`, the very code path a cluster runs.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

use crate::plan::{Plan, PLAN_FILE};
use crate::RunError;

/// How the local executor starts tasks.
#[derive(Debug, Clone)]
pub struct LocalExecutor {
    /// The `newspipe` binary.
    pub program: PathBuf,
    /// Tasks running at once.
    pub jobs: usize,
    /// Worker threads of each task.
    pub threads_per_task: usize,
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
    /// stops at the first failed task and names it with its log file.
    pub fn run(&self, plan_path: &Path) -> Result<(), RunError> {
        let plan = Plan::read(plan_path)?;
        let logs = plan_path.parent().unwrap_or(Path::new(".")).join("logs");
        fs::create_dir_all(&logs).map_err(RunError::Output)?;
        for step in &plan.steps {
            let mut running: std::collections::VecDeque<(usize, Child, PathBuf)> =
                Default::default();
            let mut ranks = 0..step.ranks;
            loop {
                while running.len() < self.jobs.max(1) {
                    let Some(rank) = ranks.next() else { break };
                    let log = logs.join(format!("{}.{rank}.log", step.name));
                    let child = self.start(plan_path, &step.name, rank, &log)?;
                    running.push_back((rank, child, log));
                }
                let Some((rank, mut child, log)) = running.pop_front() else {
                    break;
                };
                let status = child.wait().map_err(RunError::Output)?;
                if !status.success() {
                    for (_, mut other, _) in running {
                        let _ = other.wait();
                    }
                    let tail = fs::read_to_string(&log).unwrap_or_default();
                    let tail: Vec<&str> = tail.lines().rev().take(5).collect();
                    let tail: Vec<&str> = tail.into_iter().rev().collect();
                    return Err(RunError::Task(format!(
                        "task `{}` rank {rank} failed ({status}); its log is {}:\n{}",
                        step.name,
                        log.display(),
                        tail.join("\n")
                    )));
                }
            }
        }
        Ok(())
    }

    fn start(&self, plan: &Path, task: &str, rank: usize, log: &Path) -> Result<Child, RunError> {
        let out = fs::File::create(log).map_err(RunError::Output)?;
        let err = out.try_clone().map_err(RunError::Output)?;
        Command::new(&self.program)
            .arg("run-task")
            .arg("--plan")
            .arg(plan)
            .args(["--task", task, "--rank", &rank.to_string()])
            .args(["--threads", &self.threads_per_task.max(1).to_string()])
            .stdin(Stdio::null())
            .stdout(out)
            .stderr(err)
            .spawn()
            .map_err(|err| {
                RunError::Setup(format!("cannot start {}: {err}", self.program.display()))
            })
    }
}
