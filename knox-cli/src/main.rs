use std::io::{self, Write};

use clap::Parser;

fn main() {
    let stdout = io::stdout();
    let mut out = io::BufWriter::with_capacity(64 * 1024, stdout.lock());
    // Installed as (or linked to) `praudit`, knox behaves as praudit.
    let as_praudit = std::env::args_os()
        .next()
        .and_then(|a| std::path::Path::new(&a).file_name().map(|n| n == "praudit"))
        .unwrap_or(false);
    let result = if as_praudit {
        knox::cli::run_praudit(knox::cli::PrauditCli::parse().args, &mut out)
    } else {
        knox::cli::run(knox::cli::Cli::parse(), &mut out)
    };
    let code = match result.and_then(|c| out.flush().map(|_| c)) {
        Ok(code) => code,
        // `knox ... | head` closes the pipe: not an error.
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => 0,
        Err(e) => {
            eprintln!("knox: {e}");
            2
        }
    };
    std::process::exit(code);
}
