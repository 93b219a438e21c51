"""Terraform intake: a plan in JSON (``terraform show -json``), checked and translated into the CloudFormation
model deploy already applies; the classification of the AWS provider's types (data)."""
