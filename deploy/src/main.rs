//! `gb-deploy`: deploy the Global Brain suite and run the marketplace demo.
//!
//! ```text
//! gb-deploy demo [--fee-bps N] [--manifest PATH]
//!     deploy + wire on an in-process chain (drink), run the whole workflow, and write
//!     the deployment manifest (JSON) to PATH if given
//! ```
//! Bundles come from `GB_BUNDLES_DIR` (default `$CARGO_TARGET_DIR/ink`, else
//! `target/ink`); `bash scripts/demo.sh` builds them first.
use gb_deploy::{market::Market, Bundles};
use std::process::ExitCode;

const USAGE: &str = "usage: gb-deploy demo [--fee-bps N] [--manifest PATH]\n\
  Deploys registry, reputation and escrow on an in-process chain, wires them, and runs the\n\
  marketplace workflow (register, discover, pay with vouchers, batch-claim, rate, refund).";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let mut fee_bps = 100u16;
    let mut manifest: Option<std::path::PathBuf> = None;
    let mut it = args.iter();
    let Some(cmd) = it.next() else {
        eprintln!("{USAGE}");
        return ExitCode::from(2);
    };
    while let Some(a) = it.next() {
        match (a.as_str(), it.next()) {
            ("--fee-bps", Some(v)) => match v.parse() {
                Ok(v) => fee_bps = v,
                Err(_) => {
                    eprintln!("--fee-bps takes a number of basis points, got `{v}`");
                    return ExitCode::from(2);
                }
            },
            ("--manifest", Some(p)) => manifest = Some(p.into()),
            ("--url", _) => {
                eprintln!(
                    "--url (a real node) is not supported by this build yet: the subxt backend is \
                     tracked in issue 9. Without --url the demo runs on an in-process chain."
                );
                return ExitCode::from(2);
            }
            _ => {
                eprintln!("unknown argument `{a}`\n{USAGE}");
                return ExitCode::from(2);
            }
        }
    }
    if cmd != "demo" {
        eprintln!("unknown command `{cmd}`\n{USAGE}");
        return ExitCode::from(2);
    }
    let bundles = match Bundles::load() {
        Ok(b) => b,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::FAILURE;
        }
    };
    println!("Global Brain demo on an in-process chain (drink sandbox)\n");
    let mut market = match Market::new(&bundles, fee_bps, 4) {
        Ok(m) => m,
        Err(e) => {
            eprintln!("error: deployment failed: {e}");
            return ExitCode::FAILURE;
        }
    };
    if let Some(path) = &manifest {
        if let Err(e) = gb_deploy::manifest::write(&market, path) {
            eprintln!(
                "error: cannot write the manifest to {}: {e}",
                path.display()
            );
            return ExitCode::FAILURE;
        }
        println!("deployment manifest written to {}\n", path.display());
    }
    gb_deploy::demo::run(&mut market);
    ExitCode::SUCCESS
}
