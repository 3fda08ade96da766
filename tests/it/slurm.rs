//! `newspipe run --executor slurm` on a real Slurm cluster: a single node on loopback, started
//! in a temporary folder (munged, slurmctld, slurmd in the foreground, each detached with
//! `setsid`), stopped by process id at the end. The outputs must equal the in-process run's.
//!
//! Needs the Debian packages `slurmctld slurmd slurm-client munge` and root (the daemons run
//! as root, with no cgroups or systemd); `.ci/run` installs them. Without them the test skips
//! with a message on a developer machine and fails under CI.

use std::fs;
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use super::cluster::{outputs, pipeline};
use super::support::{newspipe, root, transcript};

/// What is missing to start a cluster here, if anything.
fn missing() -> Option<String> {
    for program in [
        "munged",
        "slurmctld",
        "slurmd",
        "sbatch",
        "scontrol",
        "sinfo",
        "setsid",
    ] {
        let found = Command::new("sh")
            .args(["-c", &format!("command -v {program}")])
            .stdout(Stdio::null())
            .status()
            .is_ok_and(|status| status.success());
        if !found {
            return Some(format!(
                "`{program}` is not installed (apt-get install --no-install-recommends slurmctld slurmd slurm-client munge)"
            ));
        }
    }
    let uid = Command::new("id").arg("-u").output().ok()?;
    (String::from_utf8_lossy(&uid.stdout).trim() != "0")
        .then(|| "the test cluster's daemons run as root".into())
}

/// A one-node Slurm cluster on loopback; its daemons stop when it is dropped.
struct Cluster {
    dir: tempfile::TempDir,
    /// The daemons, each its own process (`setsid` execs it), stopped by id.
    daemons: Vec<std::process::Child>,
}

impl Cluster {
    fn conf(&self) -> PathBuf {
        self.dir.path().join("slurm.conf")
    }

    fn start() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let mut cluster = Self {
            dir,
            daemons: Vec::new(),
        };
        let d = cluster.dir.path().to_path_buf();
        let at = |name: &str| d.join(name).display().to_string();
        fs::create_dir_all(d.join("munge")).unwrap();
        fs::create_dir_all(d.join("state")).unwrap();
        fs::create_dir_all(d.join("spool")).unwrap();
        set_mode(&d.join("munge"), 0o711);
        fs::write(d.join("munge.key"), random_key()).unwrap();
        set_mode(&d.join("munge.key"), 0o400);
        let free_port = || {
            TcpListener::bind("127.0.0.1:0")
                .unwrap()
                .local_addr()
                .unwrap()
                .port()
        };
        let socket = at("munge/munge.socket");
        let memory_mib = 1000;
        let conf = format!(
            "ClusterName=newspipetest\n\
             SlurmctldHost=localhost(127.0.0.1)\n\
             SlurmUser=root\n\
             SlurmctldPort={}\n\
             SlurmdPort={}\n\
             AuthType=auth/munge\n\
             AuthInfo=socket={socket}\n\
             CredType=cred/munge\n\
             StateSaveLocation={}\n\
             SlurmdSpoolDir={}\n\
             SlurmctldPidFile={}\n\
             SlurmdPidFile={}\n\
             SlurmctldLogFile={}\n\
             SlurmdLogFile={}\n\
             ProctrackType=proctrack/linuxproc\n\
             TaskPlugin=task/none\n\
             JobAcctGatherType=jobacct_gather/none\n\
             AccountingStorageType=accounting_storage/none\n\
             SelectType=select/cons_tres\n\
             SelectTypeParameters=CR_CPU\n\
             ReturnToService=2\n\
             MailProg=/bin/true\n\
             NodeName=localhost NodeAddr=127.0.0.1 CPUs={} RealMemory={memory_mib} State=UNKNOWN\n\
             PartitionName=test Nodes=localhost Default=YES MaxTime=INFINITE State=UP\n",
            free_port(),
            free_port(),
            at("state"),
            at("spool"),
            at("slurmctld.pid"),
            at("slurmd.pid"),
            at("slurmctld.log"),
            at("slurmd.log"),
            std::thread::available_parallelism().map_or(1, |n| n.get()),
        );
        fs::write(cluster.conf(), conf).unwrap();
        let conf = cluster.conf().display().to_string();
        let key = at("munge.key");
        let (log, pid, seed) = (at("munged.log"), at("munged.pid"), at("munged.seed"));
        cluster.daemon(&[
            "munged",
            "-F",
            "--socket",
            &socket,
            "--key-file",
            &key,
            "--log-file",
            &log,
            "--pid-file",
            &pid,
            "--seed-file",
            &seed,
        ]);
        wait_for("munged's socket", Duration::from_secs(20), || {
            Path::new(&socket).exists()
        });
        cluster.daemon(&["slurmctld", "-D", "-f", &conf]);
        cluster.daemon(&["slurmd", "-D", "-N", "localhost", "-f", &conf]);
        wait_for("an idle node", Duration::from_secs(60), || {
            Command::new("sinfo")
                .args(["-h", "-o", "%t"])
                .env("SLURM_CONF", &conf)
                .output()
                .is_ok_and(|out| String::from_utf8_lossy(&out.stdout).trim() == "idle")
        });
        cluster
    }

    /// Starts a daemon in the foreground, detached from the test's session, keeping its pid.
    fn daemon(&mut self, args: &[&str]) {
        let log = fs::File::create(self.dir.path().join(format!("{}.out", args[0]))).unwrap();
        let child = Command::new("setsid")
            .args(args)
            .env("SLURM_CONF", self.conf())
            .stdin(Stdio::null())
            .stdout(log.try_clone().unwrap())
            .stderr(log)
            .spawn()
            .unwrap_or_else(|err| panic!("cannot start {}: {err}", args[0]));
        self.daemons.push(child);
    }

    fn logs(&self) -> String {
        ["munged.out", "slurmctld.out", "slurmd.out", "slurmctld.log"]
            .iter()
            .map(|name| {
                let text = fs::read_to_string(self.dir.path().join(name)).unwrap_or_default();
                format!("--- {name}\n{}", tail(&text, 15))
            })
            .collect()
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        for daemon in self.daemons.iter().rev() {
            let _ = Command::new("kill").arg(daemon.id().to_string()).status();
        }
        std::thread::sleep(Duration::from_millis(500));
        for daemon in self.daemons.iter_mut().rev() {
            if !matches!(daemon.try_wait(), Ok(Some(_))) {
                let _ = daemon.kill();
                let _ = daemon.wait();
            }
        }
    }
}

fn tail(text: &str, lines: usize) -> String {
    let all: Vec<&str> = text.lines().collect();
    all[all.len().saturating_sub(lines)..].join("\n") + "\n"
}

fn set_mode(path: &Path, mode: u32) {
    use std::os::unix::fs::PermissionsExt;
    fs::set_permissions(path, fs::Permissions::from_mode(mode)).unwrap();
}

fn random_key() -> Vec<u8> {
    use rand::RngCore;
    let mut key = vec![0; 1024];
    rand::rng().fill_bytes(&mut key);
    key
}

fn wait_for(what: &str, limit: Duration, mut ready: impl FnMut() -> bool) {
    let started = Instant::now();
    while !ready() {
        assert!(started.elapsed() < limit, "no {what} after {limit:?}");
        std::thread::sleep(Duration::from_millis(250));
    }
}

#[test]
fn the_slurm_executor_matches_the_in_process_run() {
    if let Some(reason) = missing() {
        assert!(
            std::env::var_os("CI").is_none(),
            "the Slurm test cannot run: {reason}; CI must run it (.ci/run installs Slurm)"
        );
        eprintln!("SKIPPED the Slurm test: {reason}");
        return;
    }
    let cluster = Cluster::start();
    let dir = tempfile::tempdir().unwrap();
    let seeds = root().join("seeds");
    let pipeline = pipeline(dir.path(), seeds.to_str().unwrap(), 2);
    let pipeline = pipeline.to_str().unwrap();
    let output = newspipe(dir.path(), &["run", pipeline, "-q"]);
    assert!(output.status.success(), "{}", transcript(&output));
    let single = outputs(dir.path());
    fs::remove_dir_all(dir.path().join("out")).unwrap();

    let workdir = dir.path().join("work");
    let output = Command::new(env!("CARGO_BIN_EXE_newspipe"))
        .args([
            "run",
            pipeline,
            "-q",
            "--executor",
            "slurm",
            "--shards",
            "4",
        ])
        .arg("--workdir")
        .arg(&workdir)
        .env("SLURM_CONF", cluster.conf())
        .current_dir(dir.path())
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}\n{}",
        transcript(&output),
        cluster.logs()
    );
    let jobs = String::from_utf8_lossy(&output.stdout);
    assert_eq!(jobs.lines().count(), 22, "one job per step: {jobs}");
    assert!(jobs.contains("observe-normalize × 4"), "{jobs}");
    assert!(jobs.contains("normalize-bucket × 4"), "{jobs}");
    assert!(jobs.contains("dedupe-bucket × 4"), "{jobs}");
    assert!(jobs.contains("extract-bucket × 4"), "{jobs}");
    assert!(jobs.contains("score-reliability-bucket × 4"), "{jobs}");
    assert!(
        workdir.join("logs/observe-normalize.3.log").exists(),
        "Slurm wrote no task log"
    );
    let split = outputs(dir.path());
    for (name, text) in &single {
        assert!(split[name] == *text, "{name} differs on Slurm");
    }

    // A task that fails (`on_error: fail` meets a broken line) is named with its log, and the
    // steps after it are cancelled.
    let failing = super::cluster::failing_pipeline(dir.path());
    let output = Command::new(env!("CARGO_BIN_EXE_newspipe"))
        .args([
            "run",
            failing.to_str().unwrap(),
            "-q",
            "--executor",
            "slurm",
        ])
        .args(["--shards", "3", "--workdir", "failing-work"])
        .env("SLURM_CONF", cluster.conf())
        .current_dir(dir.path())
        .output()
        .unwrap();
    assert!(!output.status.success(), "{}", transcript(&output));
    let stderr = String::from_utf8_lossy(&output.stderr);
    let log = dir.path().join("failing-work/logs/observe-normalize.1.log");
    assert!(
        stderr.contains("task `observe-normalize` rank 1")
            && stderr.contains(log.to_str().unwrap()),
        "{stderr}"
    );
    assert!(fs::read_to_string(&log).unwrap().contains("on_error"));
    drop(cluster);
}
