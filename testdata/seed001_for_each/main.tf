# Seed 001 (lesson_45): a network module whose private subnets come from a
# for_each map, the "3-in-1" endpoints for_each, NAT switched off, and the
# private EC2 the lesson already has (profile, egress 443, no public IP).
terraform {
  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = "3.39.0"
    }
  }
}

provider "aws" {
  region                      = "us-east-1"
  access_key                  = "mock_access_key"
  secret_key                  = "mock_secret_key"
  skip_credentials_validation = true
  skip_requesting_account_id  = true
  skip_metadata_api_check     = true
  skip_get_ec2_platforms      = true
  skip_region_validation      = true
}

locals {
  project_name = "lesson45"
}

module "network" {
  source = "./modules/network"

  project_name = local.project_name
  aws_region   = "us-east-1"
  vpc_cidr     = "10.20.0.0/16"

  public_subnets = {
    "a" = { cidr = "10.20.0.0/24", az = "us-east-1a" }
  }
  private_subnets = {
    "a" = { cidr = "10.20.10.0/24", az = "us-east-1a" }
    "b" = { cidr = "10.20.11.0/24", az = "us-east-1b" }
  }

  enable_nat               = false
  enable_ssm_vpc_endpoints = true
}

module "compute" {
  source = "./modules/compute"

  project_name      = local.project_name
  vpc_id            = module.network.vpc_id
  private_subnet_id = module.network.private_subnet_ids[0]
}

output "instance_id" {
  value = module.compute.instance_id
}
