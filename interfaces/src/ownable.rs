//! The owner part the three contracts share: one owner account, the `ensure_owner`
//! guard, a one-step transfer, and one `OwnershipTransferred` event shape.

use crate::types::AccountId;

/// The contract's owner (configuration and wiring rights), as stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq, scale::Encode, scale::Decode)]
#[cfg_attr(
    feature = "std",
    derive(scale_info::TypeInfo, ink::storage::traits::StorageLayout)
)]
pub struct Ownable {
    owner: AccountId,
}

/// The caller is not the contract owner (each contract maps it to its `NotOwner`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NotOwner;

impl Ownable {
    /// Owned by `owner`.
    pub const fn new(owner: AccountId) -> Self {
        Self { owner }
    }

    /// The owner.
    pub fn owner(&self) -> AccountId {
        self.owner
    }

    /// `Ok` if `caller` is the owner.
    pub fn ensure_owner(&self, caller: AccountId) -> Result<(), NotOwner> {
        if caller == self.owner {
            Ok(())
        } else {
            Err(NotOwner)
        }
    }

    /// The owner hands ownership to `new_owner` (one step: `new_owner` need not
    /// accept). Returns the event to emit.
    pub fn transfer(
        &mut self,
        caller: AccountId,
        new_owner: AccountId,
    ) -> Result<OwnershipTransferred, NotOwner> {
        self.ensure_owner(caller)?;
        self.owner = new_owner;
        Ok(OwnershipTransferred {
            previous_owner: caller,
            new_owner,
        })
    }
}

/// Ownership of the contract moved from `previous_owner` to `new_owner`.
#[ink::event]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OwnershipTransferred {
    /// The owner before.
    #[ink(topic)]
    pub previous_owner: AccountId,
    /// The owner now.
    #[ink(topic)]
    pub new_owner: AccountId,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_owner_transfers_and_the_event_names_both() {
        let (a, b, c) = (
            AccountId::from([1; 32]),
            AccountId::from([2; 32]),
            AccountId::from([3; 32]),
        );
        let mut o = Ownable::new(a);
        assert_eq!(o.ensure_owner(b), Err(NotOwner));
        assert_eq!(o.transfer(b, c), Err(NotOwner));
        assert_eq!(o.owner(), a);
        assert_eq!(
            o.transfer(a, b),
            Ok(OwnershipTransferred {
                previous_owner: a,
                new_owner: b
            })
        );
        assert_eq!((o.owner(), o.ensure_owner(b)), (b, Ok(())));
    }
}
