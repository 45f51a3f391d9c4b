"""Writes of the applications app, split by who acts: cycles (national), applications (city),
province actions, national actions. Each checks permission, validates, writes atomically and audits."""
