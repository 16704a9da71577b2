//! Times building a table's Arrow batches from a trail file without writing them anywhere
//! (what `knox export --format parquet` does before Parquet encoding, and what Python's
//! `knox.read(...)` hands over): `arrow-rows FILE [records|tokens|ocsf] [THREADS]`.

use std::time::Instant;

#[global_allocator]
static ALLOC: mimalloc::MiMalloc = mimalloc::MiMalloc;

struct Count(u64, u64, Vec<arrow_array::RecordBatch>, bool);

impl knox_arrow::Output for Count {
    fn batch(&mut self, b: arrow_array::RecordBatch) -> std::io::Result<()> {
        self.0 += b.num_rows() as u64;
        self.1 += b.get_array_memory_size() as u64;
        if self.3 {
            self.2.push(b);
        }
        Ok(())
    }
}

fn main() {
    let mut args = std::env::args().skip(1);
    let path = args
        .next()
        .expect("usage: arrow-rows FILE [TABLE] [THREADS]");
    let table: knox_arrow::Table = args
        .next()
        .as_deref()
        .unwrap_or("records")
        .parse()
        .expect("table");
    let threads: usize = args.next().map_or(1, |t| t.parse().expect("threads"));
    // `parquet`: also time encoding the batches (kept in memory) into Parquet on one thread.
    let parquet = args.next().as_deref() == Some("parquet");
    let events =
        bsm_format::tables::EventTable::embedded(bsm_format::tables::Flavor::MacOs).clone();
    let opts = knox_arrow::Options::new(table, events, knox_read::accounts::Accounts::numeric());
    let source = knox_read::source::Source::File(path.clone().into());
    let info = knox_read::pipeline::SourceInfo {
        name: path.as_str().into(),
        host: None,
        streaming: false,
        piped: false,
        trail: None,
    };
    let loop_opts = knox_read::pipeline::Options::new("arrow-rows", threads);
    let t0 = Instant::now();
    let (_, sink) = knox_arrow::run(
        &[(source, info)],
        &opts,
        &loop_opts,
        Count(0, 0, Vec::new(), parquet),
        &mut std::io::sink(),
    )
    .expect("run");
    let s = t0.elapsed().as_secs_f64();
    println!(
        "{} {}: {} rows, {} MB of Arrow memory, {s:.3} s",
        path,
        table.name(),
        sink.output.0,
        sink.output.1 / 1_000_000
    );
    if parquet {
        let batches = &sink.output.2;
        let schema = knox_arrow::schema::without_place(&batches[0].schema());
        let keep: Vec<usize> = (0..schema.fields().len()).collect();
        let t0 = Instant::now();
        let mut w = parquet::arrow::ArrowWriter::try_new(
            std::io::sink(),
            schema,
            Some(knox_arrow::parquet::properties(table)),
        )
        .expect("writer");
        for b in batches {
            w.write(&b.project(&keep).expect("project")).expect("write");
        }
        w.close().expect("close");
        println!("parquet encoding: {:.3} s", t0.elapsed().as_secs_f64());
    }
}
