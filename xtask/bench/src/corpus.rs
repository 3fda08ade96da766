//! Corpora for benchmarks and for the dedupe quality check, generated from real article bodies
//! (the WCXB dev data, when present) or from synthetic articles, reproducibly from a seed.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use newspipe_core::{Document, Source};
use newspipe_corpusgen::{
    adjusted_rand_index, devdata_file, generate as generate_copies, load_article_bodies,
    synthetic_articles, write_jsonl, CorpusDoc, CorpusSpec, SourceArticle,
};

/// What corpus to build.
#[derive(Debug, Clone, clap::Args)]
pub struct CorpusArgs {
    /// Damage preset: `clean` (web reposts) or `noisy` (OCR-damaged reprints).
    #[arg(long, default_value = "clean")]
    pub preset: String,
    /// Seed of every random choice: the same seed gives the same corpus.
    #[arg(long, default_value_t = 7)]
    pub seed: u64,
    /// Stop adding copies once the corpus holds this many megabytes of text (0: one pass).
    #[arg(long, default_value_t = 0.0)]
    pub size_mb: f64,
    /// Article bodies to copy from (WCXB-style JSON Lines with `article_body`); defaults to
    /// `../shared/devdata/wcxb-dev-articles.jsonl.gz` or `$NEWSPIPE_DEVDATA`, else synthetic.
    #[arg(long)]
    pub sources: Option<PathBuf>,
}

/// The article bodies copies are made from, and where they came from.
pub fn sources(args: &CorpusArgs) -> Result<(Vec<SourceArticle>, String)> {
    let path = args.sources.clone().unwrap_or_else(devdata_file);
    if !path.exists() {
        let articles = synthetic_articles(400, args.seed);
        return Ok((articles, "synthetic articles (no dev data found)".into()));
    }
    let articles = load_article_bodies(&path, 80)
        .with_context(|| format!("cannot read article bodies from {}", path.display()))?;
    Ok((articles, path.display().to_string()))
}

/// Generates the corpus: passes with successive seeds until it reaches `size_mb`.
pub fn generate(args: &CorpusArgs) -> Result<Vec<CorpusDoc>> {
    let (articles, origin) = sources(args)?;
    eprintln!(
        "corpus from {origin}: {} source articles, preset {}, seed {}",
        articles.len(),
        args.preset,
        args.seed
    );
    let mut docs: Vec<CorpusDoc> = Vec::new();
    let mut bytes = 0usize;
    for pass in 0u64.. {
        let seed = args.seed.wrapping_add(pass * 1_000_003);
        let spec = match args.preset.as_str() {
            "noisy" => CorpusSpec::noisy(seed),
            "clean" => CorpusSpec::clean(seed),
            other => anyhow::bail!("unknown preset `{other}`; use clean or noisy"),
        };
        for mut doc in generate_copies(&articles, &spec) {
            doc.id = format!("p{pass}-{}", doc.id);
            doc.cluster = format!("p{pass}-{}", doc.cluster);
            bytes += doc.text.len();
            docs.push(doc);
        }
        if bytes as f64 >= args.size_mb * 1e6 {
            break;
        }
    }
    Ok(docs)
}

/// Writes a corpus as JSON Lines.
pub fn write(docs: &[CorpusDoc], path: &Path) -> Result<()> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    let file = std::io::BufWriter::new(std::fs::File::create(path)?);
    write_jsonl(docs, file)?;
    Ok(())
}

/// Turns corpus records into documents as the runner's JSONL reader would.
pub fn documents(docs: &[CorpusDoc]) -> Vec<Document> {
    docs.iter()
        .map(|record| {
            let mut doc = Document::new(record.id.clone(), Source::default(), record.text.clone());
            doc.meta.title = record.title.clone();
            doc.meta.outlet = record.outlet.clone();
            doc.meta.published = record.published.clone();
            doc
        })
        .collect()
}

/// Generates a labelled corpus, runs dedupe with the same preset and prints the ARI.
pub fn dedupe_ari(args: &CorpusArgs) -> Result<()> {
    let corpus = generate(args)?;
    let docs = documents(&corpus);
    let registry = newspipe::registry();
    let factory = registry
        .get("dedupe")
        .context("the dedupe stage is not registered")?;
    let config = serde_json::json!({ "preset": args.preset });
    let stage = factory
        .build(&config, &Default::default())
        .map_err(|err| anyhow::anyhow!("{err}"))?;
    let started = std::time::Instant::now();
    let options = newspipe_runner::MemoryRunOptions {
        threads: rayon::current_num_threads(),
        ..Default::default()
    };
    let docs = newspipe_runner::run_in_memory(vec![("dedupe".into(), stage)], docs, &options)?.docs;
    let seconds = started.elapsed().as_secs_f64();
    let truth: Vec<&str> = corpus.iter().map(|d| d.cluster.as_str()).collect();
    let predicted: Vec<String> = docs
        .iter()
        .map(|d| {
            d.dedupe
                .as_ref()
                .map_or_else(|| d.id.clone(), |info| info.cluster.clone())
        })
        .collect();
    let clusters: HashMap<&str, usize> = truth.iter().fold(HashMap::new(), |mut m, c| {
        *m.entry(*c).or_default() += 1;
        m
    });
    let bytes: usize = corpus.iter().map(|d| d.text.len()).sum();
    println!(
        "preset {}: {} documents in {} true clusters, ARI {:.4}, {:.1} MB/s",
        args.preset,
        docs.len(),
        clusters.len(),
        adjusted_rand_index(&truth, &predicted),
        bytes as f64 / 1e6 / seconds
    );
    Ok(())
}
