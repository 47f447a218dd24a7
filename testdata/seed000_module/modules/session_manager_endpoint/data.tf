# The module is given subnets only: it finds the VPC (and its CIDR) from them.
data "aws_region" "current" {}

data "aws_subnet" "selected" {
  id = var.subnet_ids[0]
}

data "aws_vpc" "selected" {
  id = data.aws_subnet.selected.vpc_id
}

locals {
  enabled = var.enable_session_manager_endpoints
  region  = data.aws_region.current.name
  vpc_id  = data.aws_subnet.selected.vpc_id

  tags = {
    Environment = var.env
    Project     = var.project_id
    ManagedBy   = "terraform"
    Module      = "session_manager_endpoint"
  }
}
