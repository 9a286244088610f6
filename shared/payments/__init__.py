"""What the payment provider and the command side share: webhook signatures."""
