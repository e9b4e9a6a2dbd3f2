//! `gb-gateway`: see `gb_gateway::cli` for the commands and exit codes.

use clap::Parser as _;

#[tokio::main]
async fn main() {
    let cli = gb_gateway::cli::Cli::parse();
    if let Err(f) = gb_gateway::cli::run(cli).await {
        eprintln!("error: {:#}", f.error);
        std::process::exit(f.code);
    }
}
