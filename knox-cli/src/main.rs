use std::io::{self, Write};

use clap::Parser;

fn main() {
    let cli = knox::cli::Cli::parse();
    let stdout = io::stdout();
    let mut out = io::BufWriter::with_capacity(64 * 1024, stdout.lock());
    let code = match knox::cli::run(cli, &mut out).and_then(|c| out.flush().map(|_| c)) {
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
