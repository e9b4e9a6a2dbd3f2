//! The chain and signer a command runs with: `--url` (a node) or the in-process chain,
//! and `--suri` (or `GB_SURI`), defaulting to `//Alice` on development chains only.
//! The options and the connection live in `gb-cli-common`, shared with the `gb` CLI.

pub use gb_cli_common::Runtime;
#[cfg(feature = "sandbox")]
pub use gb_cli_common::SANDBOX_ENDOWMENT;
pub use gb_cli_common::{ChainOpts, ConnectError, Connected};
