//! `newspipe plan --emit k8s`: one Kubernetes Indexed Job manifest per step of a plan.

use std::path::{Path, PathBuf};

use newspipe_runner::Plan;
use serde_json::json;

/// Where the manifests go and what they run.
pub struct K8sOptions {
    /// The container image holding the `newspipe` binary on its `PATH`.
    pub image: String,
    /// The PersistentVolumeClaim shared by every task. It is mounted at the work folder's own
    /// absolute path, so the plan's paths hold inside the pods; the pipeline file and the input
    /// must be visible at their planned paths too (on the same volume, for example).
    pub claim: String,
}

/// Writes `DIR/k8s/NN-TASK.yaml`, one Indexed Job per step (completions = its ranks, the
/// rank from `JOB_COMPLETION_INDEX`); returns the files in the order to apply them, each
/// after the one before has completed.
pub fn emit(plan: &Plan, workdir: &Path, options: &K8sOptions) -> std::io::Result<Vec<PathBuf>> {
    let workdir = std::path::absolute(workdir)?;
    let folder = workdir.join("k8s");
    std::fs::create_dir_all(&folder)?;
    let plan_file = workdir.join(newspipe_runner::PLAN_FILE);
    let mut written = Vec::new();
    for (index, step) in plan.steps.iter().enumerate() {
        let name = format!("newspipe-{index:02}-{}", step.name)
            .to_lowercase()
            .replace(|c: char| !c.is_ascii_alphanumeric() && c != '-', "-");
        let manifest = json!({
            "apiVersion": "batch/v1",
            "kind": "Job",
            "metadata": {
                "name": name,
                "labels": { "app.kubernetes.io/name": "newspipe", "newspipe/step": index.to_string() },
            },
            "spec": {
                "completionMode": "Indexed",
                "completions": step.ranks,
                "parallelism": step.ranks,
                "backoffLimit": 3 * step.ranks,
                "template": {
                    "spec": {
                        "restartPolicy": "Never",
                        "containers": [{
                            "name": "task",
                            "image": options.image,
                            "command": [
                                "newspipe", "run-task",
                                "--plan", plan_file.display().to_string(),
                                "--task", step.name,
                            ],
                            "volumeMounts": [{ "name": "work", "mountPath": workdir.display().to_string() }],
                        }],
                        "volumes": [{ "name": "work", "persistentVolumeClaim": { "claimName": options.claim } }],
                    },
                },
            },
        });
        let path = folder.join(format!("{index:02}-{}.yaml", step.name));
        let text = serde_yaml::to_string(&manifest).map_err(std::io::Error::other)?;
        std::fs::write(&path, text)?;
        written.push(path);
    }
    Ok(written)
}
