//! `gb-deploy`: deploy the Global Brain suite and run the marketplace demo.
//!
//! ```text
//! gb-deploy demo [--url ws://HOST:PORT] [--suri SURI] [--manifest PATH] [--fee-bps N]
//! ```
//! Without `--url` everything runs on an in-process chain (drink). With `--url` the
//! suite is deployed on that node, signed by `--suri` (default `//Alice`, dev chains
//! only); an existing `--manifest` for the same chain is verified and reused instead of
//! deploying again. Bundles come from `GB_BUNDLES_DIR` (default `$CARGO_TARGET_DIR/ink`,
//! else `target/ink`); `bash scripts/demo.sh` builds them first.
use gb_deploy::{
    backend::Backend,
    manifest,
    market::{Market, ENDOWMENT},
    Bundles, Chain,
};
use std::{path::PathBuf, process::ExitCode};

const USAGE: &str =
    "usage: gb-deploy demo [--url ws://HOST:PORT] [--suri SURI] [--manifest PATH] [--fee-bps N]\n\
  Deploys registry, reputation and escrow, wires them, and runs the marketplace workflow\n\
  (register, discover, pay with vouchers, batch-claim, rate, re-rank, refund).\n\
  --url       a node with pallet-contracts (default: an in-process chain, nothing persists)\n\
  --suri      the deployer's secret URI (default //Alice, on development chains only)\n\
  --manifest  write the deployment manifest (JSON) here; with --url, an existing manifest\n\
              for the same chain is verified and its deployment reused\n\
  --fee-bps   protocol fee on claims in basis points (default 100 = 1 %)";

#[derive(Debug)]
struct Args {
    fee_bps: u16,
    manifest: Option<PathBuf>,
    url: Option<String>,
    suri: Option<String>,
}

fn parse(args: &[String]) -> Result<Args, String> {
    let mut it = args.iter();
    match it.next().map(String::as_str) {
        Some("demo") => {}
        Some(cmd) => return Err(format!("unknown command `{cmd}`")),
        None => return Err("missing command".into()),
    }
    let mut out = Args {
        fee_bps: 100,
        manifest: None,
        url: None,
        suri: None,
    };
    while let Some(a) = it.next() {
        let value = it.next().ok_or(format!("{a} needs a value"));
        match a.as_str() {
            "--fee-bps" => {
                let v = value?;
                out.fee_bps = v
                    .parse()
                    .map_err(|_| format!("--fee-bps takes basis points (0..=1000), got `{v}`"))?;
            }
            "--manifest" => out.manifest = Some(value?.into()),
            "--url" => out.url = Some(value?.clone()),
            "--suri" => out.suri = Some(value?.clone()),
            _ => return Err(format!("unknown argument `{a}`")),
        }
    }
    if out.suri.is_some() && out.url.is_none() {
        return Err("--suri needs --url (the in-process chain signs nothing)".into());
    }
    Ok(out)
}

fn main() -> ExitCode {
    let argv: Vec<String> = std::env::args().skip(1).collect();
    let args = match parse(&argv) {
        Ok(a) => a,
        Err(e) => {
            eprintln!("error: {e}\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    let bundles = match Bundles::load() {
        Ok(b) => b,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::FAILURE;
        }
    };
    let result = match &args.url {
        None => {
            println!("Global Brain demo on an in-process chain (drink sandbox)\n");
            let deployer = drink::AccountId32::new([1u8; 32]);
            Market::on(
                Chain::new(),
                deployer,
                &bundles,
                args.fee_bps,
                4,
                None,
                ENDOWMENT,
            )
            .map_err(|e| format!("deployment failed: {e}"))
            .and_then(|m| run(m, &args, false))
        }
        Some(url) => on_node(url, &bundles, &args),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

#[cfg(not(feature = "node"))]
fn on_node(_url: &str, _bundles: &Bundles, _args: &Args) -> Result<(), String> {
    Err(
        "this gb-deploy was built without the node backend: run `bash scripts/demo.sh \
         --url …` (or `cargo run -p gb-deploy --features node -- demo --url …`)"
            .into(),
    )
}

#[cfg(feature = "node")]
fn on_node(url: &str, bundles: &Bundles, args: &Args) -> Result<(), String> {
    use gb_deploy::node::Node;
    let node = Node::connect(url, args.suri.as_deref()).map_err(|e| e.to_string())?;
    let deployer = node.deployer();
    let genesis = node.genesis_hash();
    let existing = match &args.manifest {
        Some(path) => manifest::read(path)?,
        None => None,
    };
    let existing = match existing {
        Some(d) if d.genesis_hash.as_deref() != Some(genesis.as_str()) => {
            return Err(format!(
                "the manifest {} was written for chain {} but the node at {url} is chain \
                 {genesis}; pass another --manifest path to deploy here",
                args.manifest
                    .as_ref()
                    .map_or(String::new(), |p| p.display().to_string()),
                d.genesis_hash.as_deref().unwrap_or("(in-process)")
            ))
        }
        Some(d) => {
            println!("reusing the deployment in the manifest (verifying code and wiring)");
            Some(d.suite)
        }
        None => None,
    };
    println!("Global Brain demo on {url} (genesis {genesis}), deployer {deployer}\n");
    let reused = existing.is_some();
    let m = Market::on(
        node,
        deployer,
        bundles,
        args.fee_bps,
        4,
        existing,
        gb_deploy::market::NODE_FUNDS,
    )
    .map_err(|e| format!("deployment failed: {e}"))?;
    run(m, args, reused)
}

/// Writes the manifest if asked (a reused deployment keeps the manifest it came from,
/// with its block numbers), then runs the narrated workflow.
fn run<B: Backend>(mut m: Market<B>, args: &Args, reused: bool) -> Result<(), String> {
    if let (Some(path), true) = (&args.manifest, reused) {
        println!(
            "deployment in {} verified: code and wiring as listed\n",
            path.display()
        );
    } else if let Some(path) = &args.manifest {
        manifest::write(&mut m, path)
            .map_err(|e| format!("cannot write the manifest to {}: {e}", path.display()))?;
        println!("deployment manifest written to {}\n", path.display());
    }
    gb_deploy::demo::run(&mut m);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::parse;

    fn args(s: &str) -> Vec<String> {
        s.split_whitespace().map(str::to_string).collect()
    }

    #[test]
    fn parses_the_node_options() {
        let a = parse(&args(
            "demo --url ws://127.0.0.1:9944 --suri //Bob --manifest m.json",
        ))
        .expect("valid");
        assert_eq!(a.url.as_deref(), Some("ws://127.0.0.1:9944"));
        assert_eq!(a.suri.as_deref(), Some("//Bob"));
        assert_eq!(a.fee_bps, 100);
    }

    #[test]
    fn refuses_bad_input_with_a_reason() {
        assert!(parse(&args("deploy"))
            .unwrap_err()
            .contains("unknown command"));
        assert!(parse(&args("demo --fee-bps x"))
            .unwrap_err()
            .contains("basis points"));
        assert!(parse(&args("demo --url"))
            .unwrap_err()
            .contains("needs a value"));
        assert!(parse(&args("demo --suri //Bob"))
            .unwrap_err()
            .contains("needs --url"));
        assert!(parse(&args("demo --bogus 1"))
            .unwrap_err()
            .contains("unknown argument"));
    }
}
