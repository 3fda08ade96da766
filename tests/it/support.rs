//! Helpers shared by the end-to-end tests.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// The repository root.
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Runs the binary with `args` from `dir`.
pub fn newspipe(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_newspipe"))
        .args(args)
        .current_dir(dir)
        .env_remove("RUST_LOG")
        .output()
        .expect("the newspipe binary runs")
}

/// Exit code, stdout and stderr in one readable block, for snapshots.
pub fn transcript(output: &Output) -> String {
    format!(
        "exit: {}\n--- stdout\n{}--- stderr\n{}",
        output
            .status
            .code()
            .map_or("signal".into(), |c| c.to_string()),
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr),
    )
}

/// Reads a JSON Lines file.
pub fn read_jsonl(path: &Path) -> Vec<serde_json::Value> {
    std::fs::read_to_string(path)
        .unwrap_or_else(|err| panic!("cannot read {}: {err}", path.display()))
        .lines()
        .map(|line| serde_json::from_str(line).expect("valid JSON line"))
        .collect()
}

/// The default pipeline's stages with the input and outputs moved into `dir`.
pub fn default_pipeline_in(dir: &Path, input: &str) -> PathBuf {
    let news = std::fs::read_to_string(root().join("pipelines/news.yaml")).unwrap();
    // The tests block belongs to the real pipeline; keep only the run part.
    let run_part = news.split("\ntests:").next().unwrap();
    let text = run_part
        .replace("path: ../seeds", &format!("path: {input}"))
        .replace("../out/", "out/");
    assert_ne!(
        text, news,
        "pipelines/news.yaml changed shape; update the test helper"
    );
    let path = dir.join("pipeline.yaml");
    std::fs::write(&path, text).unwrap();
    path
}

/// Runs the binary with `args` from `dir`, killing it and failing the test if it has not
/// finished after `timeout` (a generous bound: it only tells a hang from a slow machine).
/// With `max_memory_mib`, the child runs under that address-space limit (`ulimit -v`), so a
/// run that loads far more than its limits allow fails instead of passing.
pub fn newspipe_bounded(
    dir: &Path,
    args: &[&str],
    timeout: std::time::Duration,
    max_memory_mib: Option<u64>,
) -> Output {
    use std::io::Read;
    use std::process::Stdio;

    let mut command = match max_memory_mib {
        Some(mib) => {
            let mut sh = Command::new("sh");
            sh.arg("-c")
                .arg(format!("ulimit -v {} && exec \"$0\" \"$@\"", mib * 1024))
                .arg(env!("CARGO_BIN_EXE_newspipe"));
            sh
        }
        None => Command::new(env!("CARGO_BIN_EXE_newspipe")),
    };
    let mut child = command
        .args(args)
        .current_dir(dir)
        .env_remove("RUST_LOG")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the newspipe binary runs");
    let mut stdout = child.stdout.take().unwrap();
    let mut stderr = child.stderr.take().unwrap();
    let out = std::thread::spawn(move || {
        let mut bytes = Vec::new();
        let _ = stdout.read_to_end(&mut bytes);
        bytes
    });
    let err = std::thread::spawn(move || {
        let mut bytes = Vec::new();
        let _ = stderr.read_to_end(&mut bytes);
        bytes
    });
    let deadline = std::time::Instant::now() + timeout;
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if std::time::Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!("newspipe {args:?} did not finish within {timeout:?}: it hangs");
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    };
    Output {
        status,
        stdout: out.join().unwrap(),
        stderr: err.join().unwrap(),
    }
}
