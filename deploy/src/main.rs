//! `gb-deploy`: deploy, verify and demo the Global Brain suite (see `gb-deploy --help`
//! and `gb_deploy::cli` for the exit codes).
use clap::Parser as _;
use std::process::ExitCode;

#[tokio::main]
async fn main() -> ExitCode {
    let cli = gb_deploy::cli::Cli::parse();
    match cli.run().await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(e.exit_code())
        }
    }
}
