"""Terraform for the AWS side: a thin runner over python-terraform, plan summaries, the cost line,
and the orphan sweep `wastectl destroy` runs before `terraform destroy`."""
