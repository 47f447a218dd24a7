# Local modules in the style of terraform-aws-modules (vpc, security-group,
# ec2-instance, vpc-endpoints) wired through module outputs, with for_each on
# the app tiers and count on the batch worker.
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
  name   = "stack"
  region = "us-east-1"

  tiers = {
    web = { instance_count = 2, instance_type = "t3.small" }
    api = { instance_count = 1, instance_type = "t3.medium" }
  }

  tags = {
    Environment = "staging"
    Stack       = "module_stack"
  }
}

module "vpc" {
  source = "./modules/vpc"

  name = local.name
  cidr = "10.10.0.0/16"

  azs             = ["us-east-1a", "us-east-1b"]
  private_subnets = ["10.10.1.0/24", "10.10.2.0/24"]
  public_subnets  = ["10.10.101.0/24", "10.10.102.0/24"]

  enable_nat_gateway   = false
  enable_dns_hostnames = true
  enable_dns_support   = true

  tags = local.tags
}

module "endpoint_sg" {
  source = "./modules/security-group"

  name        = "${local.name}-vpce"
  description = "HTTPS from inside the VPC to the interface endpoints"
  vpc_id      = module.vpc.vpc_id

  ingress_with_cidr_blocks = [
    {
      from_port   = 443
      to_port     = 443
      protocol    = "tcp"
      description = "HTTPS from the VPC"
      cidr_blocks = module.vpc.vpc_cidr_block
    },
  ]

  tags = local.tags
}

module "app_sg" {
  source   = "./modules/security-group"
  for_each = local.tiers

  name        = "${local.name}-${each.key}"
  description = "${each.key} tier instances"
  vpc_id      = module.vpc.vpc_id

  egress_with_source_security_group_id = [
    {
      from_port                = 443
      to_port                  = 443
      protocol                 = "tcp"
      description              = "HTTPS to the SSM endpoints"
      source_security_group_id = module.endpoint_sg.security_group_id
    },
  ]

  tags = local.tags
}

module "batch_sg" {
  source = "./modules/security-group"

  name            = "${local.name}-batch"
  use_name_prefix = false
  vpc_id          = module.vpc.vpc_id

  egress_with_cidr_blocks = [
    {
      from_port   = 443
      to_port     = 443
      protocol    = "tcp"
      description = "HTTPS inside the VPC"
      cidr_blocks = "10.10.0.0/16"
    },
  ]

  tags = local.tags
}

module "vpc_endpoints" {
  source = "./modules/vpc-endpoints"

  region             = local.region
  vpc_id             = module.vpc.vpc_id
  security_group_ids = [module.endpoint_sg.security_group_id]
  subnet_ids         = module.vpc.private_subnets

  endpoints = {
    ssm = {
      service             = "ssm"
      private_dns_enabled = true
    }
    ssmmessages = {
      service             = "ssmmessages"
      private_dns_enabled = true
    }
    ec2messages = {
      service             = "ec2messages"
      private_dns_enabled = true
    }
    s3 = {
      service         = "s3"
      service_type    = "Gateway"
      route_table_ids = module.vpc.private_route_table_ids
    }
  }

  tags = local.tags
}

resource "aws_iam_role" "app" {
  name = "${local.name}-app"

  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Action    = "sts:AssumeRole"
      Principal = { Service = "ec2.amazonaws.com" }
    }]
  })
}

resource "aws_iam_role_policy_attachment" "app_ssm" {
  role       = aws_iam_role.app.name
  policy_arn = "arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore"
}

resource "aws_iam_instance_profile" "app" {
  name = "${local.name}-app"
  role = aws_iam_role.app.name
}

# Two tiers from one module call: the instance -> subnet edge is
# element(var.subnet_ids, count.index) over module.vpc.private_subnets.
module "app" {
  source   = "./modules/ec2-instance"
  for_each = local.tiers

  name           = "${local.name}-${each.key}"
  instance_count = each.value.instance_count
  instance_type  = each.value.instance_type
  ami            = "ami-0abcdef1234567890"

  subnet_ids             = module.vpc.private_subnets
  vpc_security_group_ids = [module.app_sg[each.key].security_group_id]
  iam_instance_profile   = aws_iam_instance_profile.app.name

  tags = local.tags
}

# One batch worker pinned to the second private subnet (an exact edge).
module "batch" {
  source = "./modules/ec2-instance"
  count  = 1

  name = "${local.name}-batch"
  ami  = "ami-0abcdef1234567890"

  subnet_ids             = [module.vpc.private_subnets[1]]
  vpc_security_group_ids = [module.batch_sg.security_group_id]
  iam_instance_profile   = aws_iam_instance_profile.app.name

  tags = local.tags
}

output "app_instance_ids" {
  value = { for k, m in module.app : k => m.id }
}
