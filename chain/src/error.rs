//! Why a chain operation failed. The texts are what a user of the CLIs reads: each
//! says what happened and what to do.

use crate::types::AccountId;

/// An error of a [`crate::Chain`] operation.
#[derive(Debug, thiserror::Error)]
pub enum ChainError {
    /// Nothing answers at the URL.
    #[error(
        "cannot reach a node at {url} ({reason}); start one, e.g. \
         `substrate-contracts-node --dev`, or check --url"
    )]
    Unreachable { url: String, reason: String },

    /// The chain has no pallet-contracts (e.g. a relay chain, or pallet-revive only).
    #[error(
        "the chain at {url} (`{chain}`) has no Contracts pallet: these ink! 5 contracts \
         need pallet-contracts (e.g. substrate-contracts-node, a contracts parachain)"
    )]
    NoContractsPallet { url: String, chain: String },

    /// The default dev key on a chain that is not a development chain.
    #[error(
        "`{chain}` is not a development chain: pass the deployer's key with --suri \
         (the default //Alice is for dev chains only)"
    )]
    DevKeyOnLiveChain { chain: String },

    /// The signer cannot pay the transaction fee or the storage deposit.
    #[error(
        "insufficient funds: {who} cannot pay the transaction fee and storage deposit \
         ({reason}); fund it, or pick another --suri"
    )]
    InsufficientFunds { who: AccountId, reason: String },

    /// The runtime refused to dispatch the call (a pallet error, decoded by name from
    /// the chain's metadata).
    #[error("{pallet}::{error}{}", if .docs.is_empty() { String::new() } else { format!(" ({})", .docs) })]
    Dispatch {
        pallet: String,
        error: String,
        docs: String,
    },

    /// A dispatch error that is not a pallet error (`BadOrigin`, `Token(…)`,
    /// `Arithmetic(…)` …), as the chain's metadata names it.
    #[error("{0}")]
    DispatchOther(String),

    /// The transaction pool refused the transaction or dropped it.
    #[error("transaction rejected: {0}")]
    Rejected(String),

    /// The node closed the stream of a transaction's status before it was in a block.
    #[error("the node closed the transaction stream")]
    StreamClosed,

    /// A constructor reverted (ink: it returned `Err`); `data` is its output.
    #[error("{what} constructor reverted{}", debug_suffix(.debug))]
    ConstructorReverted {
        what: String,
        data: Vec<u8>,
        debug: String,
    },

    /// An answer of the chain could not be decoded.
    #[error("{what}: cannot decode: {reason}")]
    Decode { what: String, reason: String },

    /// An RPC or client error not covered above.
    #[error("{0}")]
    Rpc(String),

    /// The in-process chain failed (a bug of the sandbox or of its use).
    #[error("in-process chain: {0}")]
    Sandbox(String),
}

fn debug_suffix(debug: &str) -> String {
    if debug.trim().is_empty() {
        String::new()
    } else {
        format!(" (contract debug output: {})", debug.trim())
    }
}

impl ChainError {
    /// True if the error means the signer lacks funds.
    pub fn is_insufficient_funds(&self) -> bool {
        matches!(self, ChainError::InsufficientFunds { .. })
    }

    /// True if pallet-contracts refused a contract's code at upload
    /// (`Contracts::CodeRejected`): the Wasm is invalid for this runtime, e.g. it imports
    /// a host function the runtime does not offer (an unstable one where
    /// `UnsafeUnstableInterface = false`).
    pub fn is_code_rejected(&self) -> bool {
        matches!(self, ChainError::Dispatch { pallet, error, .. }
            if pallet == "Contracts" && error == "CodeRejected")
    }
}
