"""Delivery of acts to the parties they concern: live updates, e-mail, signed webhooks
and party mirrors."""
