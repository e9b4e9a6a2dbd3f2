//! Accounts: the chain's [`AccountId`] (SS58) and ink!'s `AccountId` are the same 32
//! bytes.

use gb_chain::AccountId;

/// ink!'s account id of a chain account.
pub fn ink_account(a: &AccountId) -> ink::primitives::AccountId {
    ink::primitives::AccountId::from(a.0)
}

/// The chain account of an ink! account id.
pub fn chain_account(a: &ink::primitives::AccountId) -> AccountId {
    AccountId(*AsRef::<[u8; 32]>::as_ref(a))
}
