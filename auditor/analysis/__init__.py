"""What each key's calls need, and the fewest scopes that cover them."""
