//! Errors of typed contract calls.

use gb_chain::ChainError;

/// A contract refused the call with its own error (the message returned `Err`; the
/// chain reverted its state). Match on the variant to act on the reason.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum ContractError {
    #[error("registry refused: {0:?}")]
    Registry(registry::Error),
    #[error("escrow refused: {0:?}")]
    Escrow(escrow::errors::Error),
    #[error("reputation refused: {0:?}")]
    Reputation(reputation::Error),
}

/// Why a typed call failed.
#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    /// The chain failed (unreachable, funds, dispatch error…).
    #[error(transparent)]
    Chain(#[from] ChainError),
    /// The contract refused (its `Error`).
    #[error("{label}: {error}")]
    Contract {
        /// `contract::message`.
        label: &'static str,
        error: ContractError,
    },
    /// ink! refused before the message ran (no such selector, value sent to a message
    /// that is not payable): the contract is not the code this client was built for.
    #[error("{label}: ink! LangError {code} (no such message, or value sent to a message that is not payable): is this the contract version the client was built for?")]
    LangError { label: &'static str, code: u8 },
    /// The contract trapped (a bug, or out of gas) rather than returning.
    #[error("{label}: the contract trapped{}", if .debug.is_empty() { String::new() } else { format!(" ({})", .debug.trim()) })]
    Trapped { label: &'static str, debug: String },
    /// The output does not decode as the message's return type.
    #[error("{label}: cannot decode the return value: {reason}")]
    Decode { label: &'static str, reason: String },
}

impl ClientError {
    /// The contract error, if the contract refused.
    pub fn contract_error(&self) -> Option<ContractError> {
        match self {
            ClientError::Contract { error, .. } => Some(*error),
            _ => None,
        }
    }

    /// The escrow error, if escrow refused.
    pub fn escrow_error(&self) -> Option<escrow::errors::Error> {
        match self.contract_error() {
            Some(ContractError::Escrow(e)) => Some(e),
            _ => None,
        }
    }

    /// The registry error, if the registry refused.
    pub fn registry_error(&self) -> Option<registry::Error> {
        match self.contract_error() {
            Some(ContractError::Registry(e)) => Some(e),
            _ => None,
        }
    }

    /// The reputation error, if reputation refused.
    pub fn reputation_error(&self) -> Option<reputation::Error> {
        match self.contract_error() {
            Some(ContractError::Reputation(e)) => Some(e),
            _ => None,
        }
    }
}
