"""CloudFormation intake: parsing, intrinsic functions, the resource types enjoin knows."""
