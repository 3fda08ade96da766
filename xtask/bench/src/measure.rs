//! `cargo xtask bench`: each stage alone and the whole default pipeline, on one thread and on
//! all of them, with throughput in documents, megabytes and tokens per second, and peak memory.

use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::{anyhow, Context, Result};
use newspipe_config::{InputFormat, Pipeline, StageSpec};
use newspipe_core::{Document, InputFormat as DocFormat, Source};
use newspipe_runner::RunOptions;
use serde::Serialize;

use crate::corpus::{self, CorpusArgs};

/// Options of `cargo xtask bench`.
#[derive(Debug, Clone, clap::Args)]
pub struct BenchArgs {
    /// A corpus to read (JSON Lines, a folder or a glob) instead of generating one.
    #[arg(long)]
    corpus: Option<PathBuf>,
    #[command(flatten)]
    spec: CorpusArgs,
    /// Threads for the parallel runs (default: every core).
    #[arg(long)]
    threads: Option<usize>,
    /// The pipeline whose stages are measured.
    #[arg(long, default_value = "pipelines/news.yaml")]
    pipeline: PathBuf,
    /// A pass-through plugin library: measures the plugin boundary's cost after extract.
    #[arg(long)]
    plugin: Option<PathBuf>,
    /// Also write the results as JSON here.
    #[arg(long)]
    json: Option<PathBuf>,
    /// Runs of each measurement; the table shows the median (a shared machine is noisy).
    #[arg(long, default_value_t = 3, value_parser = clap::value_parser!(u32).range(1..))]
    repeat: u32,
    /// Also run the whole pipeline on a generated corpus of about this many MB of text, on all
    /// threads, for its time and peak memory at scale (0: skip; the check is 500).
    #[arg(long, default_value_t = 0.0)]
    scale_mb: f64,
    /// Also run the whole pipeline split into this many single-thread shards by the local
    /// executor (0: skip; the check is 4), on the real web articles and on the
    /// `--scale-mb` corpus (else the generated one), against the in-process run on every core:
    /// throughput, each task's peak memory, each stage's observation bytes.
    #[arg(long, default_value_t = 0)]
    shards: usize,
    /// Documents in the HTML report's row: a report built in memory, its size and its time to
    /// interactive in headless Chromium (0: skip; the budget is for 100,000).
    #[arg(long, default_value_t = 100_000)]
    report_docs: usize,
    /// Skip the real-news corpora (the dev data's wire copy and web articles) and measure the
    /// generated or given corpus only.
    #[arg(long)]
    skip_real: bool,
    /// Corpus sizes for the score-reliability scaling rows on real texts (dev data needed;
    /// `0` skips them). The check: the cost per document at 10k and 100k within 1.5×.
    #[arg(long, value_delimiter = ',', default_values_t = [10_000usize, 100_000])]
    reliability_docs: Vec<usize>,
}

/// What a child process reports after running the whole pipeline once.
#[derive(Debug, Serialize, serde::Deserialize)]
pub struct ChildRun {
    seconds: f64,
    peak_mb: Option<f64>,
    cpu_seconds: f64,
}

/// Which of the pipeline's export forms a whole-pipeline run writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Forms {
    /// JSON Lines only: the measure issue #22's bars are set on ("default pipeline with JSON
    /// Lines export").
    Jsonl,
    /// Every form the pipeline file asks for (the default pipeline: JSON Lines, CSV, SQLite
    /// and the HTML report).
    Every,
}

impl Forms {
    /// The row's name in the tables.
    fn what(self) -> &'static str {
        match self {
            Forms::Jsonl => "whole pipeline, JSON Lines",
            Forms::Every => "whole pipeline, every form",
        }
    }
}

/// The export settings that name an output form's path.
const FORM_KEYS: [&str; 5] = ["jsonl", "csv", "sqlite", "html", "parquet"];

/// One measurement.
#[derive(Debug, Clone, Serialize)]
struct Row {
    corpus: String,
    what: String,
    threads: usize,
    docs: usize,
    seconds: f64,
    docs_per_s: f64,
    mb_per_s: f64,
    tokens_per_s: f64,
    us_per_doc: f64,
    #[serde(skip_serializing_if = "Option::is_none")]
    peak_mb: Option<f64>,
}

#[derive(Debug, Serialize)]
struct Report {
    machine: String,
    corpora: Vec<CorpusSummary>,
    rows: Vec<Row>,
    speedups: Vec<(String, f64)>,
    #[serde(skip_serializing_if = "Option::is_none")]
    plugin_overhead_percent: Option<f64>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    sharded: Vec<crate::shards::ShardReport>,
}

struct Size {
    docs: usize,
    bytes: usize,
    tokens: usize,
}

impl Size {
    fn of(docs: &[Document]) -> Self {
        Self {
            docs: docs.len(),
            bytes: docs.iter().map(|d| d.text.len()).sum(),
            tokens: docs.iter().map(|d| d.text.split_whitespace().count()).sum(),
        }
    }

    /// The size of a generated corpus file (JSON Lines with `text`), read line by line.
    fn of_jsonl(path: &Path) -> Result<Self> {
        use std::io::BufRead;
        #[derive(serde::Deserialize)]
        struct Line {
            text: String,
        }
        let mut size = Self {
            docs: 0,
            bytes: 0,
            tokens: 0,
        };
        for line in std::io::BufReader::new(std::fs::File::open(path)?).lines() {
            let line: Line = serde_json::from_str(&line?)?;
            size.docs += 1;
            size.bytes += line.text.len();
            size.tokens += line.text.split_whitespace().count();
        }
        Ok(size)
    }

    fn row(&self, corpus: &str, what: &str, threads: usize, seconds: f64) -> Row {
        let seconds = seconds.max(1e-9);
        Row {
            corpus: corpus.into(),
            what: what.into(),
            threads,
            docs: self.docs,
            seconds,
            docs_per_s: self.docs as f64 / seconds,
            mb_per_s: self.bytes as f64 / 1e6 / seconds,
            tokens_per_s: self.tokens as f64 / seconds,
            us_per_doc: seconds * 1e6 / self.docs.max(1) as f64,
            peak_mb: None,
        }
    }
}

/// A corpus the whole pipeline and each stage are measured on.
struct Corpus {
    /// Short name in the tables: `wire`, `web` (real news) or `generated`.
    name: String,
    /// What it is made of.
    label: String,
    /// The JSON Lines file the runs read.
    path: PathBuf,
}

/// What each measured corpus held.
#[derive(Debug, Serialize)]
struct CorpusSummary {
    name: String,
    label: String,
    docs: usize,
    mb: f64,
    tokens: usize,
}

/// Runs the benchmark and prints the table.
pub fn bench(args: &BenchArgs) -> Result<()> {
    let threads = args
        .threads
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()));
    let registry = newspipe::registry();
    let pipeline = newspipe_config::load(&args.pipeline, &registry).map_err(|d| anyhow!("{d}"))?;
    let work = tempfile::tempdir()?;
    let mut corpora = if args.skip_real {
        Vec::new()
    } else {
        real_corpora()?
    };
    let (path, label) = corpus_file(args)?;
    corpora.push(Corpus {
        name: if args.corpus.is_some() {
            "given"
        } else {
            "generated"
        }
        .into(),
        label,
        path,
    });

    let mut rows = Vec::new();
    let mut summaries = Vec::new();
    let mut last = None;
    for corpus in &corpora {
        let input = corpus_input(&pipeline, &corpus.path);
        let read =
            newspipe_runner::trace(&pipeline, &[], &input, &registry, &RunOptions::default())
                .map_err(|e| anyhow!("{e}"))?
                .read;
        let size = Size::of(&read);
        eprintln!(
            "corpus {}: {} documents, {:.1} MB of text, {} tokens ({})",
            corpus.name,
            size.docs,
            size.bytes as f64 / 1e6,
            size.tokens,
            corpus.label
        );
        summaries.push(CorpusSummary {
            name: corpus.name.clone(),
            label: corpus.label.clone(),
            docs: size.docs,
            mb: size.bytes as f64 / 1e6,
            tokens: size.tokens,
        });
        measure_corpus(
            &registry,
            &pipeline,
            args,
            corpus,
            read,
            &size,
            threads,
            work.path(),
            &mut rows,
        )?;
        last = Some((input, size));
    }
    let (input, size) = last.context("no corpus to measure")?;
    // The corpora the sharded runs measure, with an in-process time taken just before (the
    // scale row's, when it ran); the scale corpus is added below.
    let mut shard_targets: Vec<(String, PathBuf, usize, Option<crate::shards::InProcess>)> =
        Vec::new();
    if args.shards > 0 {
        for (corpus, summary) in corpora.iter().zip(&summaries) {
            if corpus.name == "web" || (corpus.name != "wire" && args.scale_mb <= 0.0) {
                shard_targets.push((corpus.name.clone(), corpus.path.clone(), summary.docs, None));
            }
        }
    }

    if args.scale_mb > 0.0 {
        let mut spec = args.spec.clone();
        spec.size_mb = args.scale_mb;
        let (path, _) = cached_corpus(&spec)?;
        let scale = Size::of_jsonl(&path)?;
        eprintln!(
            "  whole pipeline at scale: {} documents, {:.0} MB of text, {threads} thread(s)",
            scale.docs,
            scale.bytes as f64 / 1e6
        );
        let run =
            whole_pipeline_in_child(&args.pipeline, &path, work.path(), threads, Forms::Every)?;
        let what = format!("whole pipeline, {:.0} MB corpus", scale.bytes as f64 / 1e6);
        let mut row = scale.row("generated", &what, threads, run.seconds);
        row.peak_mb = run.peak_mb;
        eprintln!("  {what}: {:.2}s, peak {:?} MB", run.seconds, run.peak_mb);
        rows.push(row);
        if args.shards > 0 {
            let name = format!("generated {:.0} MB", scale.bytes as f64 / 1e6);
            let in_process = crate::shards::InProcess {
                seconds: run.seconds,
                cpu_seconds: run.cpu_seconds,
            };
            shard_targets.push((name, path.clone(), scale.docs, Some(in_process)));
        }
    }
    let mut sharded = Vec::new();
    for (name, path, docs, in_process) in shard_targets {
        let in_process = match in_process {
            Some(run) => run,
            None => {
                let run = whole_pipeline_in_child(
                    &args.pipeline,
                    &path,
                    work.path(),
                    threads,
                    Forms::Every,
                )?;
                crate::shards::InProcess {
                    seconds: run.seconds,
                    cpu_seconds: run.cpu_seconds,
                }
            }
        };
        // The in-process run's outputs make room for the sharded run's.
        let _ = std::fs::remove_dir_all(work.path().join(format!("out-{threads}")));
        eprintln!(
            "  {name}: {} shards of one thread (in process: {:.2}s)",
            args.shards, in_process.seconds
        );
        let report = crate::shards::measure(
            &pipeline,
            &name,
            &path,
            docs,
            args.shards,
            threads,
            work.path(),
            in_process,
        )?;
        eprintln!(
            "  {name}: sharded {:.2}s, {:.0}% of the in-process throughput",
            report.sharded_seconds,
            report.throughput_ratio * 100.0
        );
        sharded.push(report);
    }
    if args.report_docs > 0 {
        if let Some(load) = crate::report::measure(work.path(), args.report_docs, args.repeat)? {
            let mb = load.bytes as f64 / 1e6;
            let what = format!("html report ({} docs, {mb:.1} MB) to ready", load.docs);
            let size = Size {
                docs: load.docs,
                bytes: load.bytes as usize,
                tokens: 0,
            };
            eprintln!(
                "  {what}: {:.2}s for {} documents (budgets: {} MB, {} s)",
                load.seconds,
                load.docs,
                crate::report::BUDGET_MB,
                crate::report::BUDGET_SECONDS
            );
            rows.push(size.row("generated", &what, 1, load.seconds));
        }
    }
    let plugin_overhead_percent = match &args.plugin {
        Some(library) => Some(plugin_overhead(
            &pipeline,
            &input,
            work.path(),
            threads,
            library,
            &size,
            &mut rows,
        )?),
        None => None,
    };
    if registry.get("normalize").is_some() {
        if let Some(pages) = html_pages()? {
            let html = Size::of(&pages);
            let spec = StageSpec {
                name: "normalize".into(),
                config: serde_json::json!({}),
            };
            let seconds = median_of(args.repeat, || {
                Ok(time_stage(&registry, &pipeline, &spec, pages.clone(), 1)?.0)
            })?;
            let what = format!("normalize ({} HTML pages)", pages.len());
            rows.push(html.row("web", &what, 1, seconds));
        }
    }
    if args.reliability_docs.iter().any(|&n| n > 0) {
        reliability_scaling(&registry, &pipeline, args, &mut rows)?;
    }
    let speedups = speedups(&rows, threads);
    let report = Report {
        machine: machine(),
        corpora: summaries,
        rows,
        speedups,
        plugin_overhead_percent,
        sharded,
    };
    print_table(&report);
    let json = serde_json::to_string_pretty(&report)?;
    let default_json = Path::new("target/bench").join("bench.json");
    for path in [Some(&default_json), args.json.as_ref()]
        .into_iter()
        .flatten()
    {
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir)?;
        }
        std::fs::write(path, &json)?;
        eprintln!("results: {}", path.display());
    }
    Ok(())
}

/// The whole pipeline (a fresh process per run, on one thread and on all) and then each stage
/// alone, fed with the previous stage's output, over one corpus.
#[allow(clippy::too_many_arguments)]
fn measure_corpus(
    registry: &newspipe_core::Registry,
    pipeline: &Pipeline,
    args: &BenchArgs,
    corpus: &Corpus,
    read: Vec<Document>,
    size: &Size,
    threads: usize,
    work: &Path,
    rows: &mut Vec<Row>,
) -> Result<()> {
    for forms in [Forms::Jsonl, Forms::Every] {
        for t in dedup([1, threads]) {
            let mut peak_mb = None;
            let seconds = median_of(args.repeat, || {
                let run = whole_pipeline_in_child(&args.pipeline, &corpus.path, work, t, forms)?;
                peak_mb = peak_mb.max(run.peak_mb.map(|mb| mb.round() as u64));
                Ok(run.seconds)
            })?;
            let mut row = size.row(&corpus.name, forms.what(), t, seconds);
            row.peak_mb = peak_mb.map(|mb| mb as f64);
            eprintln!(
                "  {} {}, {t} thread(s): {seconds:.2}s",
                corpus.name,
                forms.what()
            );
            rows.push(row);
        }
    }
    let mut docs = read;
    for spec in pipeline.stages.iter().filter(|s| s.name != "export") {
        let mut output = Vec::new();
        for t in dedup([1, threads]) {
            let seconds = median_of(args.repeat, || {
                let (seconds, out) = time_stage(registry, pipeline, spec, docs.clone(), t)?;
                output = out;
                Ok(seconds)
            })?;
            eprintln!(
                "  {} {}, {t} thread(s): {seconds:.2}s",
                corpus.name, spec.name
            );
            rows.push(size.row(&corpus.name, &spec.name, t, seconds));
        }
        docs = output;
    }
    Ok(())
}

/// The real corpora, written once to `target/bench/real-NAME.jsonl`; none without dev data.
fn real_corpora() -> Result<Vec<Corpus>> {
    let Some(real) = crate::real::corpora()? else {
        eprintln!(
            "no development data at {}: the real-news rows are skipped",
            crate::real::devdata_dir().display()
        );
        return Ok(Vec::new());
    };
    let mut corpora = Vec::new();
    for corpus in real {
        let path = PathBuf::from(format!("target/bench/real-{}.jsonl", corpus.name));
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir)?;
        }
        let mut file = std::io::BufWriter::new(std::fs::File::create(&path)?);
        for doc in &corpus.docs {
            serde_json::to_writer(&mut file, doc)?;
            std::io::Write::write_all(&mut file, b"\n")?;
        }
        std::io::Write::flush(&mut file)?;
        corpora.push(Corpus {
            name: corpus.name.into(),
            label: corpus.label.into(),
            path,
        });
    }
    Ok(corpora)
}

/// The pipeline's input settings pointed at a corpus file.
fn corpus_input(pipeline: &Pipeline, path: &Path) -> newspipe_config::Input {
    newspipe_config::Input {
        path: path.to_path_buf(),
        format: InputFormat::Auto,
        batch_size: pipeline.input.batch_size,
        max_document_bytes: pipeline.input.max_document_bytes,
    }
}

fn dedup(threads: [usize; 2]) -> Vec<usize> {
    let mut list = threads.to_vec();
    list.dedup();
    list
}

/// The corpus to use: the one given, or a generated one cached under `target/bench/`.
fn corpus_file(args: &BenchArgs) -> Result<(PathBuf, String)> {
    if let Some(path) = &args.corpus {
        return Ok((path.clone(), path.display().to_string()));
    }
    let mut spec = args.spec.clone();
    if spec.size_mb <= 0.0 {
        spec.size_mb = 16.0;
    }
    cached_corpus(&spec)
}

/// A generated corpus, from `target/bench/` when it was made before, with its label.
fn cached_corpus(spec: &CorpusArgs) -> Result<(PathBuf, String)> {
    let (_, origin) = corpus::sources(spec)?;
    // The cached file is named after everything that shapes it, its sources included.
    let sources = if origin.starts_with("synthetic") {
        "synthetic"
    } else {
        "articles"
    };
    let path = PathBuf::from(format!(
        "target/bench/corpus-{sources}-{}-{}-{}mb.jsonl",
        spec.preset, spec.seed, spec.size_mb
    ));
    if !path.exists() {
        let docs = corpus::generate(spec)?;
        corpus::write(&docs, &path)?;
    }
    let label = format!(
        "generated: preset {}, seed {}, from {origin}",
        spec.preset, spec.seed
    );
    Ok((path, label))
}

/// Runs the whole pipeline once in a fresh process of this program (`run-pipeline`), so the
/// peak memory it reports is the run's alone, not the bench's.
fn whole_pipeline_in_child(
    pipeline: &Path,
    corpus: &Path,
    dir: &Path,
    threads: usize,
    forms: Forms,
) -> Result<ChildRun> {
    let output = std::process::Command::new(std::env::current_exe()?)
        .arg("run-pipeline")
        .arg("--pipeline")
        .arg(pipeline)
        .arg("--corpus")
        .arg(corpus)
        .arg("--out")
        .arg(dir)
        .arg("--threads")
        .arg(threads.to_string())
        .arg("--forms")
        .arg(
            clap::ValueEnum::to_possible_value(&forms)
                .expect("every form has a name")
                .get_name(),
        )
        .stderr(std::process::Stdio::inherit())
        .output()
        .context("cannot start the bench's own run-pipeline process")?;
    anyhow::ensure!(
        output.status.success(),
        "run-pipeline failed: {}",
        output.status
    );
    serde_json::from_slice(&output.stdout).context("run-pipeline printed no result")
}

/// The child side of [`whole_pipeline_in_child`]: runs and prints a [`ChildRun`] as JSON.
pub fn run_pipeline_child(
    pipeline: &Path,
    corpus: &Path,
    dir: &Path,
    threads: usize,
    forms: Forms,
) -> Result<()> {
    let registry = newspipe::registry();
    let pipeline = newspipe_config::load(pipeline, &registry).map_err(|d| anyhow!("{d}"))?;
    let input = newspipe_config::Input {
        path: corpus.to_path_buf(),
        format: InputFormat::Auto,
        batch_size: pipeline.input.batch_size,
        max_document_bytes: pipeline.input.max_document_bytes,
    };
    let seconds = whole_pipeline(&pipeline, &input, dir, threads, None, forms)?;
    let run = ChildRun {
        seconds,
        peak_mb: peak_rss_mb(),
        cpu_seconds: crate::shards::own_cpu_seconds(),
    };
    println!("{}", serde_json::to_string(&run)?);
    Ok(())
}

/// Runs the real pipeline (reading, every stage, the export `forms`) and returns its seconds.
fn whole_pipeline(
    pipeline: &Pipeline,
    input: &newspipe_config::Input,
    dir: &Path,
    threads: usize,
    plugin: Option<StageSpec>,
    forms: Forms,
) -> Result<f64> {
    let out = dir.join(format!("out-{threads}"));
    let mut run = pipeline.clone();
    run.input = input.clone();
    run.rejects = out.join("rejects.jsonl");
    run.dropped = out.join("dropped.jsonl");
    run.stats = out.join("stats.json");
    for stage in run.stages.iter_mut().filter(|s| s.name == "export") {
        if let Some(config) = stage.config.as_object_mut() {
            if forms == Forms::Jsonl {
                config.retain(|key, _| key == "jsonl" || !FORM_KEYS.contains(&key.as_str()));
                config.insert("jsonl".into(), serde_json::Value::Null);
            }
            for (key, value) in config.iter_mut() {
                if FORM_KEYS.contains(&key.as_str()) {
                    *value = serde_json::Value::String(out.join(key).display().to_string());
                }
            }
        }
    }
    if let Some(plugin) = plugin {
        let at = run
            .stages
            .iter()
            .position(|s| s.name == "export")
            .unwrap_or(run.stages.len());
        run.stages.insert(at, plugin);
    }
    reset_peak_rss();
    let options = RunOptions {
        threads: Some(threads),
        progress: false,
        ..RunOptions::default()
    };
    let started = Instant::now();
    newspipe_runner::run(&run, &newspipe::registry(), &options).map_err(|e| anyhow!("{e}"))?;
    Ok(started.elapsed().as_secs_f64())
}

/// normalize → extract → export, without and with a pass-through plugin after extract.
fn plugin_overhead(
    pipeline: &Pipeline,
    input: &newspipe_config::Input,
    dir: &Path,
    threads: usize,
    library: &Path,
    size: &Size,
    rows: &mut Vec<Row>,
) -> Result<f64> {
    let mut base = pipeline.clone();
    base.stages
        .retain(|s| matches!(s.name.as_str(), "normalize" | "extract"));
    base.stages.push(StageSpec {
        name: "export".into(),
        config: serde_json::json!({"jsonl": "documents.jsonl"}),
    });
    let plugin = StageSpec {
        name: "plugin".into(),
        config: serde_json::json!({"library": library.canonicalize().context("plugin library")?, "stage": "pass"}),
    };
    let mut best = [f64::MAX, f64::MAX];
    for _ in 0..3 {
        best[0] = best[0].min(whole_pipeline(
            &base,
            input,
            dir,
            threads,
            None,
            Forms::Every,
        )?);
        best[1] = best[1].min(whole_pipeline(
            &base,
            input,
            dir,
            threads,
            Some(plugin.clone()),
            Forms::Every,
        )?);
    }
    rows.push(size.row("generated", "normalize → extract", threads, best[0]));
    rows.push(size.row(
        "generated",
        "normalize → extract → pass-through plugin",
        threads,
        best[1],
    ));
    Ok((best[1] / best[0] - 1.0) * 100.0)
}

/// The median of `runs` measurements.
fn median_of(runs: u32, mut measure: impl FnMut() -> Result<f64>) -> Result<f64> {
    let mut seconds = (0..runs).map(|_| measure()).collect::<Result<Vec<f64>>>()?;
    seconds.sort_by(f64::total_cmp);
    Ok(seconds[seconds.len() / 2])
}

/// Builds a fresh instance of a stage and times it over `docs` on `threads` threads, with the
/// documents held in memory between its passes (the time is the stage's own, no spilling).
fn time_stage(
    registry: &newspipe_core::Registry,
    pipeline: &Pipeline,
    spec: &StageSpec,
    docs: Vec<Document>,
    threads: usize,
) -> Result<(f64, Vec<Document>)> {
    let factory = registry
        .get(&spec.name)
        .with_context(|| format!("no stage {}", spec.name))?;
    let cx = newspipe_core::BuildContext {
        base_dir: pipeline.base_dir.clone(),
        pipeline: pipeline.name.clone(),
    };
    let stage = factory
        .build(&spec.config, &cx)
        .map_err(|e| anyhow!("{}: {e}", spec.name))?;
    let options = newspipe_runner::MemoryRunOptions {
        threads,
        memory_budget: usize::MAX,
        ..Default::default()
    };

    let started = Instant::now();
    let out = newspipe_runner::run_in_memory(vec![(spec.name.clone(), stage)], docs, &options)?;
    Ok((started.elapsed().as_secs_f64(), out.docs))
}

/// Real texts for the reliability scaling rows: the real web corpus's documents; `None`
/// without the dev data.
fn real_texts() -> Result<Option<Vec<Document>>> {
    let dir = crate::real::devdata_dir();
    if !dir.join("wcxb-dev-articles.jsonl.gz").exists() {
        return Ok(None);
    }
    let docs = crate::real::web(&dir)?
        .docs
        .into_iter()
        .map(|doc| Document::new(doc.id, Source::default(), doc.text))
        .collect();
    Ok(Some(docs))
}

/// The score-reliability stage alone on one thread (one run each) over 10k and 100k documents made of real
/// texts (after normalize, dedupe and extract, run once on the distinct texts): each text is
/// used again under new ids, most as independent reports, every tenth as a copy in its
/// original's cluster. One entity is then named in thousands of claims, which candidate
/// matching must survive; the rows show the cost per document staying flat.
fn reliability_scaling(
    registry: &newspipe_core::Registry,
    pipeline: &Pipeline,
    args: &BenchArgs,
    rows: &mut Vec<Row>,
) -> Result<()> {
    let Some(mut texts) = real_texts()? else {
        eprintln!("  score-reliability scaling: no dev data, skipped");
        return Ok(());
    };
    for name in ["normalize", "dedupe", "extract"] {
        let spec = StageSpec {
            name: name.into(),
            config: serde_json::json!({}),
        };
        texts = time_stage(
            registry,
            pipeline,
            &spec,
            texts,
            rayon::current_num_threads(),
        )?
        .1;
    }
    for doc in &mut texts {
        doc.raw = String::new();
    }
    let spec = StageSpec {
        name: "score-reliability".into(),
        config: serde_json::json!({}),
    };
    for &n in args.reliability_docs.iter().filter(|&&n| n > 0) {
        let docs: Vec<Document> = (0..n)
            .map(|i| {
                let mut doc = texts[i % texts.len()].clone();
                let round = i / texts.len();
                if round > 0 {
                    let original = std::mem::take(&mut doc.id);
                    doc.id = format!("{original}#{round}");
                    if let Some(dedupe) = doc.dedupe.as_mut() {
                        if i % 10 == 0 {
                            dedupe.relation = newspipe_core::Relation::Exact;
                            dedupe.representative = false;
                            dedupe.duplicate_of = Some(original);
                        } else {
                            dedupe.cluster = doc.id.clone();
                        }
                    }
                }
                doc
            })
            .collect();
        let size = Size::of(&docs);
        // One run, on the documents themselves: a copy of 100k annotated documents would
        // double the memory of a shared machine.
        let seconds = time_stage(registry, pipeline, &spec, docs, 1)?.0;
        let what = format!("score-reliability, {n} real texts");
        eprintln!(
            "  {what}, 1 thread: {seconds:.2}s, {:.1} µs per document",
            seconds * 1e6 / n as f64
        );
        rows.push(size.row("web", &what, 1, seconds));
    }
    Ok(())
}

/// The dev data's HTML pages, for the normalize stage's own benchmark.
fn html_pages() -> Result<Option<Vec<Document>>> {
    let path = newspipe_corpusgen::devdata_file();
    if !path.exists() {
        return Ok(None);
    }
    let file = std::fs::File::open(&path)?;
    let reader = std::io::BufReader::new(flate2::read::MultiGzDecoder::new(file));
    let mut pages = Vec::new();
    for line in std::io::BufRead::lines(reader) {
        let record: serde_json::Value = serde_json::from_str(&line?)?;
        let (Some(id), Some(html)) = (
            record.get("id"),
            record.get("html").and_then(|h| h.as_str()),
        ) else {
            continue;
        };
        let source = Source {
            format: DocFormat::Html,
            ..Source::default()
        };
        pages.push(Document::new(id.to_string(), source, html.to_owned()));
    }
    Ok(Some(pages))
}

/// Each row's speed-up from one thread to all, named `corpus: what`.
fn speedups(rows: &[Row], threads: usize) -> Vec<(String, f64)> {
    let mut out = Vec::new();
    for row in rows.iter().filter(|r| r.threads == 1) {
        if let Some(parallel) = rows.iter().find(|r| {
            r.corpus == row.corpus && r.what == row.what && r.threads == threads && threads > 1
        }) {
            let name = format!("{}: {}", row.corpus, row.what);
            out.push((name, row.seconds / parallel.seconds));
        }
    }
    out
}

/// Resets the kernel's record of this process's peak resident memory (Linux).
fn reset_peak_rss() {
    let _ = std::fs::write("/proc/self/clear_refs", "5");
}

/// Peak resident memory since the last reset, in MB (Linux).
fn peak_rss_mb() -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kb: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb / 1024.0)
}

fn machine() -> String {
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|info| {
            info.lines()
                .find(|l| l.starts_with("model name"))
                .map(|l| l.split(':').nth(1).unwrap_or("").trim().to_owned())
        })
        .unwrap_or_else(|| "unknown CPU".into());
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    format!("{cpu}, {cores} cores")
}

fn print_table(report: &Report) {
    println!("\nnewspipe bench — {}", report.machine);
    for corpus in &report.corpora {
        println!(
            "corpus {}: {} documents, {:.1} MB, {:.2} KB a document, {} tokens ({})",
            corpus.name,
            corpus.docs,
            corpus.mb,
            corpus.mb * 1e3 / corpus.docs.max(1) as f64,
            corpus.tokens,
            corpus.label
        );
    }
    println!(
        "\n{:<10} {:<44} {:>7} {:>9} {:>10} {:>9} {:>12} {:>9} {:>9}",
        "corpus", "what", "threads", "seconds", "docs/s", "MB/s", "tokens/s", "µs/doc", "peak MB"
    );
    for row in &report.rows {
        println!(
            "{:<10} {:<44} {:>7} {:>9.2} {:>10.0} {:>9.2} {:>12.0} {:>9.1} {:>9}",
            row.corpus,
            row.what,
            row.threads,
            row.seconds,
            row.docs_per_s,
            row.mb_per_s,
            row.tokens_per_s,
            row.us_per_doc,
            row.peak_mb
                .map_or_else(String::new, |mb| format!("{mb:.0}"))
        );
    }
    if !report.speedups.is_empty() {
        println!("\nspeed-up from 1 thread to all:");
        for (what, speedup) in &report.speedups {
            println!("  {what:<52} {speedup:.2}×");
        }
    }
    if let Some(overhead) = report.plugin_overhead_percent {
        println!(
            "\npass-through plugin after extract costs {overhead:+.1}% of normalize → extract"
        );
    }
    for sharded in &report.sharded {
        crate::shards::print(sharded);
    }
}
