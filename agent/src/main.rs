//! `gb`: discover, pay for and rate AI services on Global Brain, or serve that to an
//! LLM over MCP (`gb mcp`). See `gb --help` and `gb_agent::cli` for the exit codes.
use clap::Parser as _;
use std::process::ExitCode;

#[tokio::main]
async fn main() -> ExitCode {
    let cli = gb_agent::cli::Cli::parse();
    // Logs go to stderr (stdout is the output, or the MCP stdio transport).
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("GB_LOG")
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn")),
        )
        .with_writer(std::io::stderr)
        .with_ansi(false)
        .init();
    match cli.run().await {
        Ok(()) => ExitCode::SUCCESS,
        Err(f) => {
            eprintln!("error: {:#}", f.error);
            ExitCode::from(f.code)
        }
    }
}
