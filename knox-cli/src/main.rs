use std::io::{self, IsTerminal, Write};

use clap::Parser;

// mimalloc keeps freed memory for the next batch's buffers instead of handing it back to the
// system and taking page faults to get it again (the Parquet export: 15% faster).
#[global_allocator]
static ALLOC: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() {
    // The one place that asks the process's streams what they are.
    let env = knox::cli::Env {
        stdin: None,
        terminals: knox::cli::Terminals {
            stdin: io::stdin().is_terminal(),
            stdout: io::stdout().is_terminal(),
            stderr: io::stderr().is_terminal(),
        },
    };
    let stdout = io::stdout();
    let mut out = io::BufWriter::with_capacity(64 * 1024, stdout.lock());
    let stderr = io::stderr();
    let mut err = stderr.lock();
    // Installed as (or linked to) `praudit`, knox behaves as praudit.
    let as_praudit = std::env::args_os()
        .next()
        .and_then(|a| std::path::Path::new(&a).file_name().map(|n| n == "praudit"))
        .unwrap_or(false);
    // The sudo re-run of a live command carries its marks as leading arguments.
    let (args, tz) = knox::privileges::take_reexec_args(std::env::args_os().collect());
    if let Some(tz) = tz {
        // Before any thread exists.
        std::env::set_var("TZ", tz);
    }
    let result = if as_praudit {
        let args = knox::cli::PrauditCli::parse_from(args).args;
        knox::cli::run_praudit(args, &env, &mut out, &mut err)
    } else {
        knox::cli::run(knox::cli::Cli::parse_from(args), &env, &mut out, &mut err)
    };
    let code = match result.and_then(|c| out.flush().map(|_| c)) {
        Ok(code) => code,
        // `knox ... | head` closes the pipe: not an error.
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => 0,
        Err(e) => {
            let _ = writeln!(err, "knox: {e}");
            2
        }
    };
    std::process::exit(code);
}
