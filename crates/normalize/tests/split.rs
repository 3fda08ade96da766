//! A cluster run's split merge of the site repeats (bucket tasks by site hash, then one state per
//! shard) must give every document what `prepare`'s state gives it in one process, for any
//! shard and bucket count, without any task reading records (a cluster run ships none for
//! normalize). The tasks' files are kept in memory here; `tests/it/cluster.rs` runs the same
//! through the binary.

use std::collections::HashMap;

use newspipe_core::{
    applied, applied_whole, Document, DynCorpusStage, Erased, FileKey, InputFormat, MemoryFiles,
    MergeLayout, MergeSource, Source, StageError, StageInstance,
};
use newspipe_corpusgen::synthetic_articles;
use newspipe_normalize::{NormalizeConfig, NormalizeStage, Normalizer};

/// The stage with the default configuration (a line on 4 pages of its site is a repeat).
fn stage() -> Box<dyn DynCorpusStage> {
    let normalizer = Normalizer::new(NormalizeConfig::default()).unwrap();
    match StageInstance::corpus(NormalizeStage::new(normalizer)) {
        StageInstance::Corpus(stage) => stage,
        _ => unreachable!("normalize is a corpus stage"),
    }
}

/// A line of site `site` that is on exactly `pages` of its pages.
fn site_line(site: usize, pages: usize) -> String {
    format!("The {pages}-page desk note of site number {site} sits here")
}

/// Text pages of four sites, interleaved, so that each site's pages span the shards: on each
/// site a line on 4 of its pages (the default `min_pages`, a repeat) and one on 3 (not one),
/// a line on 2 pages of every site (8 pages in all, never a site's repeat); HTML pages of the
/// sites too (their extracted text is cut by their site's repeats, though they are not
/// counted), and pages read from two folders without a URL (the folder is their site).
fn documents() -> Vec<Document> {
    const SITES: usize = 4;
    let bodies: Vec<String> = synthetic_articles(44, 5)
        .into_iter()
        .map(|article| {
            article
                .body
                .lines()
                .take(4)
                .collect::<Vec<_>>()
                .join("\n\n")
        })
        .collect();
    let mut docs = Vec::new();
    for (n, body) in bodies.into_iter().enumerate() {
        let site = n % (SITES + 1);
        let page = n / (SITES + 1);
        let mut lines = Vec::new();
        for (pages, on) in [(4, 4), (3, 3), (2, 2)] {
            if page < on {
                lines.push(if pages == 2 {
                    "A line shared by two pages of every site, set apart".to_string()
                } else {
                    site_line(site, pages)
                });
            }
        }
        lines.push(body);
        let (format, raw) = if page == 5 {
            // The sixth page of each site is served as HTML, with every site line.
            let mut html = String::from("<html><head><title>A story</title></head><body><article>");
            html.push_str("<h1>A story of the day</h1>");
            for line in (lines.iter().rev()).chain([site_line(site, 4), site_line(site, 3)].iter())
            {
                for paragraph in line.split("\n\n") {
                    html.push_str(&format!("<p>{paragraph}</p>"));
                }
            }
            html.push_str("</article></body></html>");
            (InputFormat::Html, html)
        } else {
            (InputFormat::Text, lines.join("\n\n"))
        };
        let (path, url) = if site == SITES {
            // No URL: the folder is the site, one of two.
            (format!("folder-{}/page-{n}.txt", page % 2), None)
        } else {
            (
                format!("in/page-{n}.txt"),
                Some(format!("https://site{site}.example/2025/{n}")),
            )
        };
        let source = Source {
            path,
            format,
            url,
            ..Default::default()
        };
        docs.push(Document::new(format!("doc-{n:02}"), source, raw));
    }
    docs
}

/// The files of `step` (`None`: the observe tasks) these reads read, by rank and name.
fn reads_of(reads: &[FileKey], step: Option<usize>) -> Vec<(usize, String)> {
    reads
        .iter()
        .filter(|(of, _, _)| *of == step)
        .map(|(_, rank, name)| (*rank, name.clone()))
        .collect()
}

/// What the split merge does to every document, the corpus cut into shards at `cuts` with
/// `buckets` bucket tasks, each shard applying its own state.
fn applied_split(stage: &dyn DynCorpusStage, cuts: &[usize], buckets: usize) -> Vec<String> {
    split_applied_after(stage, cuts, buckets, |_| {}, |_| {}).unwrap()
}

/// The files of the tasks, by (task, rank, name).
type Written = HashMap<FileKey, Vec<u8>>;

/// What the split merge does to every document, after `tamper` changed the observe tasks'
/// files and `tamper_steps` the bucket tasks'; the first error of a task.
fn split_applied_after(
    stage: &dyn DynCorpusStage,
    cuts: &[usize],
    buckets: usize,
    tamper: impl Fn(&mut Written),
    tamper_steps: impl Fn(&mut Written),
) -> Result<Vec<String>, StageError> {
    let mut docs = documents();
    let shards = cuts.len() - 1;
    let steps = stage.merge_steps(&MergeLayout { shards, buckets });
    assert_eq!(steps.iter().map(|s| s.name).collect::<Vec<_>>(), ["bucket"]);
    assert_eq!(steps[0].ranks, buckets);
    let mut files = MemoryFiles::new(Vec::new(), vec![buckets]);
    for (shard, bounds) in cuts.windows(2).enumerate() {
        let part = &mut docs[bounds[0]..bounds[1]];
        let records: Vec<Erased> = part.iter_mut().map(|d| stage.observe(d).unwrap()).collect();
        let written = stage.shard_files(&records, &[buckets]).unwrap();
        let names: Vec<&str> = written.iter().map(|(name, _)| name.as_str()).collect();
        let expected: Vec<String> = (0..buckets).map(|b| format!("pages-{b}.bin")).collect();
        assert_eq!(names, expected);
        files.write(MergeSource::Observe, shard, written);
        files.shard_sizes.push(records.len());
    }
    tamper(&mut files.files);
    for bucket in 0..buckets {
        let before = files.reads.len();
        let written = stage.run_merge_step(0, bucket, &mut files)?;
        files.write(MergeSource::Step(0), bucket, written);
        // A bucket task reads its own pages file of every shard, and nothing else.
        let own: Vec<(usize, String)> = (0..shards)
            .map(|shard| (shard, format!("pages-{bucket}.bin")))
            .collect();
        assert_eq!(reads_of(&files.reads[before..], None), own);
    }
    tamper_steps(&mut files.files);
    let whole = stage.finish_merge(&mut files)?;
    assert!(stage.state_per_shard());
    assert!(files.records_asked.is_empty(), "a task read records");
    let mut applied_docs = Vec::new();
    for (shard, bounds) in cuts.windows(2).enumerate() {
        let before = files.reads.len();
        let state = stage.shard_state(&whole, shard, &mut files)?;
        // A shard's state is every bucket's repeats for that shard, and nothing else.
        let own: Vec<(usize, String)> = (0..buckets)
            .map(|bucket| (bucket, format!("repeats-{shard}.bin")))
            .collect();
        assert_eq!(files.reads.len() - before, buckets);
        assert_eq!(reads_of(&files.reads[before..], Some(0)), own);
        applied_docs.extend(applied(
            stage,
            &state,
            &docs[bounds[0]..bounds[1]],
            bounds[0],
        ));
    }
    Ok(applied_docs)
}

#[test]
fn the_split_merge_gives_every_document_what_prepare_gives() {
    let stage = stage();
    let whole = applied_whole(&*stage, documents());
    let n = documents().len();
    for (cuts, buckets) in [
        (vec![0, n], 1),
        (vec![0, n], 3),
        (vec![0, n / 2, n], 1),
        (vec![0, 7, 7, 30, n], 2),
        (vec![0, 5, 11, 17, 23, 29, 35, n], 5),
        (vec![0, 1, 2, 20, n], 64),
    ] {
        let split = applied_split(&*stage, &cuts, buckets);
        assert_eq!(split.len(), whole.len());
        for (position, (split, whole)) in split.iter().zip(&whole).enumerate() {
            assert!(
                split == whole,
                "document {position} differs with shards {cuts:?} and {buckets} bucket tasks:\n\
                 split {split}\nwhole {whole}"
            );
        }
    }
}

#[test]
fn the_corpus_has_repeats_at_and_just_below_min_pages_across_shards() {
    // The test above means little unless the repeats cut lines of text and HTML pages alike,
    // and a line on one page fewer is kept.
    let stage = stage();
    let whole = applied_whole(&*stage, documents());
    let docs = documents();
    // Whether a span of the document's raw text cut as a site repeat holds `line`.
    let cut_as_repeat = |doc: &str, line: &str| {
        let json: serde_json::Value =
            serde_json::from_str(doc.split_once(" Ok(").unwrap().0).unwrap();
        let raw = json["raw"].as_str().unwrap();
        json["removed"].as_array().unwrap().iter().any(|span| {
            let (start, end) = (
                span["start"].as_u64().unwrap(),
                span["end"].as_u64().unwrap(),
            );
            span["rule"] == "site_repeat" && raw[start as usize..end as usize].contains(line)
        })
    };
    for site in 0..4 {
        // The site's first page (text) and its sixth (HTML).
        for (n, format) in [(site, InputFormat::Text), (site + 25, InputFormat::Html)] {
            assert_eq!(docs[n].source.format, format);
            assert!(
                cut_as_repeat(&whole[n], &site_line(site, 4)),
                "a line on 4 pages was kept: {}",
                whole[n]
            );
            assert!(
                !cut_as_repeat(&whole[n], &site_line(site, 3)),
                "a line on 3 pages was cut: {}",
                whole[n]
            );
        }
    }
    // Lines on 2 pages of each site, or 4 pages of two folders together, are no site's repeats.
    assert!(whole.iter().all(|doc| !cut_as_repeat(doc, "every site")));
    assert!(whole.iter().all(|doc| !cut_as_repeat(doc, "site number 4")));
}

#[test]
fn a_pages_file_of_another_bucket_names_the_task_that_wrote_it() {
    // Shard 1's two pages files swapped: each lists the sites of the other bucket.
    let swap = |written: &mut Written| {
        let first = written.remove(&(None, 1, "pages-0.bin".into())).unwrap();
        let second = written.remove(&(None, 1, "pages-1.bin".into())).unwrap();
        written.insert((None, 1, "pages-0.bin".into()), second);
        written.insert((None, 1, "pages-1.bin".into()), first);
    };
    let err = split_applied_after(&*stage(), &[0, 10, 30, 44], 2, swap, |_| {}).unwrap_err();
    assert!(
        err.message.contains("pages-0.bin of Observe rank 1")
            && err.message.contains("a site of another bucket"),
        "{}",
        err.message
    );
}

#[test]
fn a_corrupt_repeats_file_names_the_task_that_wrote_it() {
    // Bucket task 0's repeats for shard 2 replaced by one site of its bucket (hash 2) whose
    // line key gaps overflow (postcard: one entry, the site, two gaps: 2^32 - 1, then 1).
    let overflow = |written: &mut Written| {
        let file = written
            .get_mut(&(Some(0), 0, "repeats-2.bin".into()))
            .unwrap();
        file.truncate(8); // the magic bytes and the format version
        file.extend([1, 2, 2, 0xFF, 0xFF, 0xFF, 0xFF, 0x0F, 1]);
    };
    let err = split_applied_after(&*stage(), &[0, 10, 30, 44], 2, |_| {}, overflow).unwrap_err();
    assert!(
        err.message.contains("repeats-2.bin of Step(0) rank 0") && err.message.contains("corrupt"),
        "{}",
        err.message
    );
}
