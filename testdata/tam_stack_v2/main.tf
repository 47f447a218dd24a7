# tam_stack_v2: the older shape of the terraform-aws-modules composition: vpc
# 2.78.0 with the SSM endpoints built into the vpc module, security-group 3.18.0
# (outputs this_security_group_id), ec2-instance 2.17.0 with two instances spread
# over the private subnets, an AmazonSSMManagedInstanceCore profile.
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

  # the vpc-endpoints module reads aws_vpc_endpoint_service at plan time: moto
  endpoints {
    ec2 = "http://127.0.0.1:45671"
    iam = "http://127.0.0.1:45671"
    ssm = "http://127.0.0.1:45671"
    sts = "http://127.0.0.1:45671"
  }
}

module "vpc" {
  source  = "terraform-aws-modules/vpc/aws"
  version = "2.78.0"

  name = "legacy"
  cidr = "10.70.0.0/16"

  azs             = ["us-east-1a", "us-east-1b"]
  private_subnets = ["10.70.1.0/24", "10.70.2.0/24"]

  enable_dns_hostnames = true
  enable_dns_support   = true

  # 2.x: the endpoints are part of the vpc module itself
  enable_ssm_endpoint              = true
  ssm_endpoint_private_dns_enabled = true
  ssm_endpoint_security_group_ids  = [module.endpoints_sg.this_security_group_id]

  enable_ssmmessages_endpoint              = true
  ssmmessages_endpoint_private_dns_enabled = true
  ssmmessages_endpoint_security_group_ids  = [module.endpoints_sg.this_security_group_id]

  enable_ec2messages_endpoint              = true
  ec2messages_endpoint_private_dns_enabled = true
  ec2messages_endpoint_security_group_ids  = [module.endpoints_sg.this_security_group_id]
}

module "endpoints_sg" {
  source  = "terraform-aws-modules/security-group/aws"
  version = "3.18.0"

  name        = "ssm-endpoints"
  description = "SSM interface endpoints: HTTPS from the VPC"
  vpc_id      = module.vpc.vpc_id

  ingress_cidr_blocks = [module.vpc.vpc_cidr_block]
  ingress_rules       = ["https-443-tcp"]
}

module "app_sg" {
  source  = "terraform-aws-modules/security-group/aws"
  version = "3.18.0"

  name        = "app"
  description = "App hosts"
  vpc_id      = module.vpc.vpc_id

  egress_cidr_blocks = [module.vpc.vpc_cidr_block]
  egress_rules       = ["https-443-tcp"]
}

resource "aws_iam_role" "app" {
  name = "app-instance"

  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Action    = "sts:AssumeRole"
      Principal = { Service = "ec2.amazonaws.com" }
    }]
  })
}

resource "aws_iam_role_policy_attachment" "app_ssm_core" {
  role       = aws_iam_role.app.name
  policy_arn = "arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore"
}

resource "aws_iam_instance_profile" "app" {
  name = "app-instance"
  role = aws_iam_role.app.name
}

module "app" {
  source  = "terraform-aws-modules/ec2-instance/aws"
  version = "2.17.0"

  name           = "app"
  instance_count = 2

  ami                    = "ami-0abcdef1234567890"
  instance_type          = "t3.micro"
  subnet_ids             = module.vpc.private_subnets
  vpc_security_group_ids = [module.app_sg.this_security_group_id]
  iam_instance_profile   = aws_iam_instance_profile.app.name
}
